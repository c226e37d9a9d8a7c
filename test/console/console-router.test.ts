import Koa from 'koa';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_PATH, createConsoleRouter, findConsoleDir } from '../../src/http/console.js';
import type { AppState } from '../../src/http/context.js';
import { errorMiddleware } from '../../src/http/errors.js';
import { silentLogger } from '../../src/http/logger.js';

async function serve(consoleDir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const app = new Koa<AppState>();
  app.use(errorMiddleware(silentLogger));
  app.use(createConsoleRouter({ consoleDir }).routes());
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('console router with a built console', () => {
  let server: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-console-'));
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'build.mjs'), 'throw new Error("must not build: dist exists")');
    writeFileSync(join(dir, 'dist', 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(join(dir, 'dist', 'app.js'), 'console.log(1)');
    writeFileSync(join(dir, 'secret.txt'), 'not served');
    server = await serve(dir);
  });
  afterAll(() => server.close());

  it('serves index.html at the console path, with or without the slash, without a token', async () => {
    for (const path of [CONSOLE_PATH, `${CONSOLE_PATH}/`]) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(await res.text()).toContain('<title>console</title>');
    }
  });

  it('serves the bundle as JavaScript', async () => {
    const res = await fetch(`${server.url}${CONSOLE_PATH}/app.js`);
    expect(res.headers.get('content-type')).toContain('text/javascript');
  });

  it('answers 404 with a JSON error for a file that is not in dist', async () => {
    const res = await fetch(`${server.url}${CONSOLE_PATH}/nope.js`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toContain('nope.js');
  });

  it('never serves a file outside dist', async () => {
    const res = await fetch(`${server.url}${CONSOLE_PATH}/..%2Fsecret.txt`);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('not served');
  });
});

describe('console router without a build', () => {
  it('answers 503 naming the build command when dist is missing and cannot be built', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-console-'));
    writeFileSync(join(dir, 'build.mjs'), 'export async function buildConsole() { throw new Error("esbuild is not installed"); }');
    const server = await serve(dir);
    try {
      const res = await fetch(`${server.url}${CONSOLE_PATH}/`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as { error: string; code: string };
      expect(body.code).toBe('CONSOLE_NOT_BUILT');
      expect(body.error).toContain('npm run build:console');
    } finally {
      await server.close();
    }
  });

  it('builds dist on the first request when it is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-console-'));
    writeFileSync(
      join(dir, 'build.mjs'),
      `import { mkdirSync, writeFileSync } from 'node:fs';
       export async function buildConsole() {
         mkdirSync(new URL('./dist', import.meta.url), { recursive: true });
         writeFileSync(new URL('./dist/index.html', import.meta.url), 'built on demand');
       }`,
    );
    const server = await serve(dir);
    try {
      const res = await fetch(`${server.url}${CONSOLE_PATH}/`);
      expect(await res.text()).toBe('built on demand');
    } finally {
      await server.close();
    }
  });
});

describe('findConsoleDir', () => {
  it('finds the console folder of this checkout from src/http', () => {
    expect(findConsoleDir()).toMatch(/console$/);
  });
});
