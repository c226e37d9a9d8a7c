import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get, type IncomingHttpHeaders, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Koa from 'koa';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASSETS_PATH, SWAGGER_UI_VERSION, docsRoutes } from '../../src/http/docs.js';
import { buildOpenApi } from '../../src/http/openapi.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, hasTool } from '../support/tools.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { REFERENCE_ENDPOINTS, loadTestBlueprints, writeTestBlueprints } from './openapi-fixtures.js';

const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'docs');

/** A GET whose body is not decoded (fetch would gunzip it). */
function rawGet(url: string, headers: Record<string, string>): Promise<{ headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    }).on('error', reject);
  });
}

/** A Koa app with only the docs routes (and a status code for thrown typed errors). */
async function serveDocs(): Promise<{ base: string; server: Server; builds: () => number }> {
  let builds = 0;
  const docs = docsRoutes({
    build: () => {
      builds += 1;
      return buildOpenApi({ blueprints: loadTestBlueprints() });
    },
  });
  const app = new Koa();
  app.silent = true;
  app.use(docs.router.routes());
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, builds: () => builds };
}

describe('docsRoutes', () => {
  let base = '';
  let server: Server;
  let builds: () => number;
  beforeAll(async () => ({ base, server, builds } = await serveDocs()));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('serves a page that loads Swagger UI from this server, never from a CDN or font host', async () => {
    const response = await fetch(`${base}/_public/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain(`src="${ASSETS_PATH}/${SWAGGER_UI_VERSION}/swagger-ui-bundle.js"`);
    // The only absolute URLs left are XML namespaces, which browsers never fetch.
    const external = [...html.matchAll(/https?:\/\/[^\s"')]+/g)].map((m) => m[0]).filter((url) => !url.startsWith('http://www.w3.org/'));
    expect(external).toEqual([]);
    expect(html).toContain('"validatorUrl":null');
  });

  it('sends a Content-Security-Policy that allows only this server and data: images', async () => {
    const csp = (await fetch(`${base}/_public/docs`)).headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("img-src 'self' data:");
    expect(csp).toContain("connect-src 'self'");
  });

  it('serves the Swagger UI files of swagger-ui-dist, gzipped when the client accepts it', async () => {
    const css = await fetch(`${base}${ASSETS_PATH}/${SWAGGER_UI_VERSION}/swagger-ui.min.css`, { headers: { 'accept-encoding': 'identity' } });
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect(await css.text()).toContain('.swagger-ui');
    const bundle = await fetch(`${base}${ASSETS_PATH}/${SWAGGER_UI_VERSION}/swagger-ui-bundle.js`, { headers: { 'accept-encoding': 'gzip' } });
    expect(bundle.headers.get('content-type')).toMatch(/^application\/javascript/);
    expect(bundle.headers.get('cache-control')).toContain('immutable');
    expect(await bundle.text()).toContain('SwaggerUIBundle');
  });

  it('answers 404 for a file that is not one of the page’s assets, or another version', async () => {
    for (const path of [`${SWAGGER_UI_VERSION}/package.json`, `${SWAGGER_UI_VERSION}/..%2F..%2Fpackage.json`, `0.0.1/swagger-ui.css`]) {
      expect((await fetch(`${base}${ASSETS_PATH}/${path}`)).status, path).toBe(404);
    }
  });

  it('serves the OpenAPI document as JSON, built once however often it is fetched', async () => {
    const first = await fetch(`${base}/_public/openapi.json`);
    expect(first.headers.get('content-type')).toMatch(/^application\/json/);
    const doc = (await first.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths).toHaveProperty(['/api/v1/jobs/image_pipeline']);
    await fetch(`${base}/_public/openapi.json`);
    expect(builds()).toBe(1);
  });

  it('sends the bundle gzipped to a client that accepts gzip, byte for byte the package file', async () => {
    const raw = await rawGet(`${base}${ASSETS_PATH}/${SWAGGER_UI_VERSION}/swagger-ui-bundle.js`, { 'accept-encoding': 'gzip' });
    expect(raw.headers['content-encoding']).toBe('gzip');
    expect(raw.body.length).toBeLessThan(1_000_000);
    const file = readFileSync(join(dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json')), 'swagger-ui-bundle.js'));
    expect(gunzipSync(raw.body).equals(file)).toBe(true);
  });
});

describe.skipIf(!hasTool('chromium'))('the docs page in headless Chromium', () => {
  let server: TestServer;
  let blueprintsDir = '';
  let context: BrowserContext;
  let profile = '';
  const requested: string[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    blueprintsDir = writeTestBlueprints();
    server = await startTestServer({ blueprintsDir });
    profile = mkdtempSync(join(tmpdir(), 'switchyard-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_ARGS],
      viewport: { width: 1280, height: 900 },
    });
    context.on('request', (request) => requested.push(request.url()));
    context.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    context.on('weberror', (error) => problems.push(`page error: ${error.error().message}`));
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await server?.close();
    if (blueprintsDir) rmSync(blueprintsDir, { recursive: true, force: true });
  });

  it('lists the operations, shows a blueprint’s graph, and loads nothing from another host', async () => {
    const page = await context.newPage();
    await page.goto(`${server.url}/_public/docs`, { waitUntil: 'load' });
    await page.waitForSelector('.opblock-summary', { timeout: 20_000 });

    const listed = await page.$$eval('.opblock-summary', (blocks) =>
      blocks.map((b) => `${b.querySelector('.opblock-summary-method')?.textContent?.trim()} ${b.querySelector('.opblock-summary-path')?.getAttribute('data-path')}`),
    );
    for (const operation of [...REFERENCE_ENDPOINTS, 'POST /api/v1/jobs/image_pipeline', 'POST /api/v2/orders/place']) {
      expect(listed, operation).toContain(operation);
    }
    await page.screenshot({ path: join(ARTIFACTS, 'docs-page.png'), fullPage: false });

    await page.click('.opblock-summary-path[data-path="/api/v1/jobs/image_pipeline"]');
    const graph = page.locator('img[alt="graph of image_pipeline"]');
    await graph.waitFor({ state: 'visible', timeout: 10_000 });
    await graph.scrollIntoViewIfNeeded();
    // A broken or blocked image has no natural size; a drawn SVG has one.
    const drawn = await graph.evaluate((element) => {
      const img = element as unknown as { complete: boolean; naturalWidth: number };
      return img.complete && img.naturalWidth > 0;
    });
    expect(drawn).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'docs-blueprint-graph.png'), fullPage: false });

    // A child-only blueprint's graph is folded into the page's description.
    await page.click('details summary:has-text("child_only")');
    const childGraph = page.locator('img[alt="graph of child_only"]');
    await childGraph.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await childGraph.evaluate((element) => (element as unknown as { naturalWidth: number }).naturalWidth > 0)).toBe(true);
    await childGraph.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, 'docs-child-blueprint.png'), fullPage: false });

    // The Authorize dialog offers both token headers, so "Try it out" can send them.
    await page.click('button.authorize');
    const schemes = await page.locator('.auth-container h4').allTextContents();
    expect(schemes.join(' ')).toMatch(/ClientToken/);
    expect(schemes.join(' ')).toMatch(/WorkerToken/);

    // Authorize with the client token, then "Try it out" on GET /api/v1/workers sends it.
    await page.locator('.auth-container').filter({ hasText: 'ClientToken' }).locator('input').fill(server.clientToken);
    await page.locator('.auth-container').filter({ hasText: 'ClientToken' }).locator('button.authorize').click();
    await page.click('button.btn-done');
    await page.click('.opblock-summary-path[data-path="/api/v1/workers"]');
    const workersBlock = page.locator('.opblock').filter({ has: page.locator('.opblock-summary-path[data-path="/api/v1/workers"]') });
    await workersBlock.locator('button.try-out__btn').click();
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/v1/workers')),
      workersBlock.locator('button.execute').click(),
    ]);
    expect(response.request().headers()['x-client-token']).toBe(server.clientToken);
    expect(response.status()).toBe(200);
    await page.screenshot({ path: join(ARTIFACTS, 'docs-try-it-out.png'), fullPage: false });

    const external = requested.filter((url) => /^(https?|wss?):/.test(url) && new URL(url).hostname !== '127.0.0.1');
    expect(external).toEqual([]);
    expect(requested.some((url) => url.endsWith('/_public/openapi.json'))).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
    // Chromium start-up and the 1.7 MB bundle take seconds on a loaded two-core machine.
  }, 60_000);
});
