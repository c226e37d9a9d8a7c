/** Types of build.mjs for the TypeScript that calls it (the server's router, tests, the benchmark). */
export function buildConsole(options?: { outDir?: string; minify?: boolean }): Promise<string>;
