/**
 * Serves the built console (console/dist) at `/_public/console/`. The page itself is public; every
 * call it makes carries the client token the user types in. When dist is missing (a checkout that
 * never ran `npm run build`), the first request builds it with console/build.mjs, or answers 503 with
 * the command to run when esbuild is not installed.
 */
import Router from '@koa/router';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NotFoundError, SwitchyardError } from '../errors.js';
import type { AppContext, AppState } from './context.js';

export const CONSOLE_PATH = '/_public/console';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** The console/ folder: found upward from this file, which runs from src/http or dist/src/http. */
export function findConsoleDir(from = dirname(fileURLToPath(import.meta.url))): string | undefined {
  let dir = from;
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'console', 'build.mjs'))) return join(dir, 'console');
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

export class ConsoleNotBuiltError extends SwitchyardError {
  constructor(reason: string) {
    super('CONSOLE_NOT_BUILT', 503, `the console is not built (${reason}); run \`npm run build:console\` and reload`, undefined, true);
  }
}

export interface ConsoleRouterOptions {
  /** Where the console's source and build script live; found from this file by default. */
  consoleDir?: string;
}

export function createConsoleRouter(options: ConsoleRouterOptions = {}): Router<AppState> {
  const consoleDir = options.consoleDir ?? findConsoleDir();
  const distDir = consoleDir ? join(consoleDir, 'dist') : undefined;
  let files: Promise<Set<string>> | undefined;

  /** The names in dist, read once (built first if needed); only these names are ever served. */
  async function load(): Promise<Set<string>> {
    if (!consoleDir || !distDir) throw new ConsoleNotBuiltError('the console/ folder was not found next to the server');
    if (!existsSync(join(distDir, 'index.html'))) {
      try {
        const script = (await import(pathToFileURL(join(consoleDir, 'build.mjs')).href)) as { buildConsole: () => Promise<string> };
        await script.buildConsole();
      } catch (error) {
        throw new ConsoleNotBuiltError(`building it on demand failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return new Set(await readdir(distDir));
  }

  async function serve(ctx: AppContext, name: string): Promise<void> {
    files ??= load();
    let names: Set<string>;
    try {
      names = await files;
    } catch (error) {
      files = undefined; // Try again on the next request, e.g. after `npm run build:console`.
      throw error;
    }
    if (!names.has(name) || !distDir) throw new NotFoundError(`${CONSOLE_PATH}/${name} is not a file of the console`);
    ctx.type = TYPES[extname(name)] ?? 'application/octet-stream';
    ctx.set('Cache-Control', 'no-cache');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Content-Security-Policy', "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'");
    ctx.body = await readFile(join(distDir, name));
  }

  const router = new Router<AppState>();
  // index.html names its assets by absolute path, so the page works with and without the slash.
  router.get(CONSOLE_PATH, (ctx) => serve(ctx, 'index.html'));
  router.get(`${CONSOLE_PATH}/:file`, (ctx) => serve(ctx, ctx.params.file ?? ''));
  return router;
}
