/**
 * Builds the console into console/dist: one esbuild bundle (app.js) plus the static index.html and
 * styles.css. No CDN: everything the page needs is in dist. `node console/build.mjs` from the
 * project root, or `buildConsole()` from the server when dist is missing.
 */
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { argv, stdout } from 'node:process';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export async function buildConsole({ outDir = join(here, 'dist'), minify = true } = {}) {
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [join(here, 'src', 'main.ts')],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    minify,
    sourcemap: true,
    outfile: join(outDir, 'app.js'),
    logLevel: 'warning',
  });
  await copyFile(join(here, 'index.html'), join(outDir, 'index.html'));
  await copyFile(join(here, 'styles.css'), join(outDir, 'styles.css'));
  return outDir;
}

// Run as a script (not when imported by the server).
if (argv[1] && fileURLToPath(import.meta.url) === argv[1]) {
  const out = await buildConsole({ minify: !argv.includes('--dev') });
  stdout.write(`console built into ${out}\n`);
}
