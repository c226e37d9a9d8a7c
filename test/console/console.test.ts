/**
 * The console in headless Chromium against the real server and a real HTTP worker: everything the
 * console shows must come from the public API while jobs really run. Screenshots of each page go to
 * test-artifacts/console/.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole } from '../../console/build.mjs';
import { HttpWorker } from '../support/http-worker.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { hasTool } from '../support/tools.js';
import { logIn, openBrowser, type ConsoleBrowser } from './browser.js';

const BLUEPRINTS = fileURLToPath(new URL('./blueprints', import.meta.url));
const SHOTS = fileURLToPath(new URL('../../test-artifacts/console/', import.meta.url));

const node = (state: string): string => `svg.sy-graph g.node[data-state="${state}"]`;

async function marked(page: Page, state: string, mark: 'visited' | 'current' | 'failed' | 'stopped' | 'unreached'): Promise<void> {
  await page.waitForSelector(`${node(state)}.sy-${mark}`, { timeout: 10_000 });
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });
}

describe.skipIf(!hasTool('chromium'))('console in a browser', () => {
  let server: TestServer;
  let browser: ConsoleBrowser;
  let page: Page;
  let base: string;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // Test the console as its source is now, not an older build left in console/dist.
    await buildConsole();
    server = await startTestServer({ blueprintsDir: BLUEPRINTS });
    base = `${server.url}/_public/console/`;
    browser = await openBrowser();
    page = browser.page;
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('asks for the client token, refuses a wrong one, and then lists the blueprints', async () => {
    await page.goto(base);
    await page.waitForSelector('form[data-form=login]');
    await shot(page, '01-login');
    await page.fill('input[name=token]', 'not-the-token');
    await page.click('form[data-form=login] button[type=submit]');
    await page.waitForSelector('form[data-form=login] [role=alert]:has-text("refused")');
    await logIn(page, server.url, server.clientToken);
    await page.waitForSelector('[data-list=blueprints]');
    const names = await page.$$eval('[data-list=blueprints] tr[data-blueprint]', (rows) => rows.map((r) => r.getAttribute('data-blueprint')));
    expect(names.sort()).toEqual(['console_fanout', 'console_flow', 'console_loop', 'console_review']);
    await shot(page, '02-blueprints');
  });

  it('keeps the token for the tab only: sessionStorage, not localStorage', async () => {
    const stored = await page.evaluate('({ session: sessionStorage.length, local: localStorage.length })');
    expect(stored).toEqual({ session: 1, local: 0 });
  });

  it('draws a blueprint graph and shows a state definition with its expressions on click', async () => {
    await page.goto(`${base}#/blueprints/console_loop`);
    await page.waitForSelector(node('check'));
    expect(await page.$$eval('svg.sy-graph g.node[data-state]', (nodes) => nodes.map((n) => n.getAttribute('data-state')).sort())).toEqual(['attempt', 'check', 'done']);
    await page.click(node('check'));
    const panel = page.locator('[data-state-panel=check]');
    await expect.poll(() => panel.locator('pre.yaml').textContent()).toContain('type: choice');
    expect(await panel.locator('ul.expressions').textContent()).toContain('${ state_history.tries < 3 }');
    await shot(page, '03-blueprint-graph');
  });

  it('opens a state from the keyboard as well', async () => {
    await page.focus(node('attempt'));
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('[data-state-panel=attempt] pre.yaml').textContent()).toContain('task: console.attempt');
  });

  it('starts a job and moves its current state along the graph as the worker completes tasks', async () => {
    const worker = new HttpWorker(server, 'console-w1', ['console.prepare', 'console.publish']);
    await worker.register();
    await page.goto(`${base}#/blueprints/console_flow`);
    await page.fill('textarea[name=initial_data]', '{"title": "hello"}');
    await page.click('form[data-form=start-job] button[type=submit]');
    await page.waitForURL(/#\/jobs\/[^/]+$/);
    const jobId = decodeURIComponent(page.url().split('#/jobs/')[1]!);
    await marked(page, 'prepare', 'current');
    await marked(page, 'done', 'unreached');

    const first = await worker.take();
    expect(first.params).toEqual({ title: 'hello' });
    await page.waitForSelector(`[data-worker="console-w1"]`);
    await shot(page, '04-job-running');
    await worker.succeed(first, { prepared: true });
    await marked(page, 'publish', 'current');
    await marked(page, 'prepare', 'visited');

    await worker.succeed(await worker.take(), { published: true });
    await page.waitForSelector('.job-header [data-status=finished]');
    await marked(page, 'done', 'visited');
    expect(await page.locator('[data-json=result]').textContent()).toContain('published');
    expect(await page.locator('[data-timeline] li[data-span]').count()).toBe(3);
    expect((await server.getJob(jobId)).status).toBe('finished');
    await shot(page, '05-job-finished');
  });

  it('approves a job that waits for a decision with the decision buttons', async () => {
    const jobId = await server.createJob('console_review', { title: 'post' });
    await page.goto(`${base}#/jobs/${jobId}`);
    await marked(page, 'review', 'current');
    const buttons = await page.$$eval('button[data-decision]', (list) => list.map((b) => b.getAttribute('data-decision')).sort());
    expect(buttons).toEqual(['approved', 'rejected']);
    await shot(page, '06-job-waiting-for-decision');
    await page.click('button[data-decision=approved]');
    await page.waitForSelector('.job-header [data-status=finished]');
    await marked(page, 'published', 'visited');
    expect((await server.getJob(jobId)).current_state).toBe('published');
  });

  it('cancels a running job and marks where it stopped', async () => {
    const jobId = await server.createJob('console_flow', { title: 'x' });
    await page.goto(`${base}#/jobs/${jobId}`);
    await marked(page, 'prepare', 'current');
    await page.click('button[data-action=cancel]');
    await page.waitForSelector('.job-header [data-status=cancelled]');
    await marked(page, 'prepare', 'stopped');
    expect(await page.locator('button[data-action=cancel]').count()).toBe(0);
    expect((await server.getJob(jobId)).status).toBe('cancelled');
    await shot(page, '07-job-cancelled');
  });

  it('finds a failed job by the status filter and marks its failed state', async () => {
    const worker = new HttpWorker(server, 'console-w2', ['console.prepare']);
    await worker.register();
    const jobId = await server.createJob('console_flow', { title: 'bad' });
    await worker.fail(await worker.take(), 'INVALID_INPUT_ERROR', 'title is not allowed');
    const failed = await server.waitForJob(jobId);
    expect(failed.status).toBe('failed');

    await page.goto(`${base}#/jobs`);
    await page.waitForSelector('[data-list=jobs]');
    await page.selectOption('select[name=status]', 'failed');
    await page.waitForURL(/status=failed/);
    await page.waitForSelector(`[data-list=jobs] tr[data-job="${jobId}"]`);
    const statuses = await page.$$eval('[data-list=jobs] [data-status]', (badges) => [...new Set(badges.map((b) => b.getAttribute('data-status')))]);
    expect(statuses).toEqual(['failed']);
    await shot(page, '08-jobs-filtered-failed');

    await page.click(`[data-list=jobs] tr[data-job="${jobId}"] a >> nth=0`);
    const failedState = failed.error?.state ?? failed.current_state!;
    await marked(page, failedState, 'failed');
    expect(await page.locator('.facts [data-error]').textContent()).toContain('title is not allowed');
    await shot(page, '09-job-failed');
  });

  it('searches jobs by a part of their id and pages through them, newest first', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await server.createJob('console_review', { title: `p${i}` }));
    await page.goto(`${base}#/jobs?blueprint=console_review&limit=20`);
    await page.waitForSelector(`[data-list=jobs] tr[data-job="${ids[2]}"]`);
    const order = await page.$$eval('[data-list=jobs] tr[data-job]', (rows) => rows.map((r) => r.getAttribute('data-job')));
    expect(order.indexOf(ids[2]!)).toBeLessThan(order.indexOf(ids[0]!));

    await page.fill('input[name=q]', ids[1]!.slice(-8));
    await page.click('form[data-form=job-filters] button[type=submit]');
    await page.waitForURL(/q=/);
    await expect.poll(() => page.$$eval('[data-list=jobs] tr[data-job]', (rows) => rows.map((r) => r.getAttribute('data-job')))).toEqual([ids[1]]);


    // Two per page: the newest two first, "Older" goes on, "Newer" comes back.
    await page.goto(`${base}#/jobs?blueprint=console_review&limit=2`);
    const rows = (): Promise<(string | null)[]> => page.$$eval('[data-list=jobs] tr[data-job]', (list) => list.map((r) => r.getAttribute('data-job')));
    await expect.poll(rows).toEqual([ids[2], ids[1]]);
    await page.click('button[data-next]');
    await expect.poll(rows).toContain(ids[0]);
    expect(await page.getAttribute('[data-page]', 'data-page')).toBe('2');
    await page.click('text=← Newer');
    await expect.poll(rows).toEqual([ids[2], ids[1]]);
  });

  it('counts each pass over a loop edge', async () => {
    const worker = new HttpWorker(server, 'console-w3', ['console.attempt']);
    worker.serve((task) => ({ data: { tries: Number(task.params.tries) + 1 } }));
    try {
      const jobId = await server.createJob('console_loop');
      await server.waitForJob(jobId);
      await page.goto(`${base}#/jobs/${jobId}`);
      await marked(page, 'done', 'visited');
      const counts = await page.$$eval('svg.sy-graph g.edge[data-count]', (edges) =>
        Object.fromEntries(edges.map((e) => [e.querySelector('title')!.textContent, e.getAttribute('data-count')])),
      );
      expect(counts).toMatchObject({ 'attempt->check': '3', 'check->attempt': '2', 'check->done': '1' });
      expect(await page.locator('svg.sy-graph text.sy-count').allTextContents()).toEqual(expect.arrayContaining(['×3', '×2']));
      await shot(page, '10-job-loop');
    } finally {
      await worker.stop();
    }
  });

  it('shows a fan-out as one node with counts by status and lists its branches on click', async () => {
    const worker = new HttpWorker(server, 'console-w4', ['console.branch']);
    await worker.register();
    const items = Array.from({ length: 200 }, (_, i) => i);
    const jobId = await server.createJob('console_fanout', { items });
    for (let i = 0; i < 30; i++) await worker.succeed(await worker.take(), { n: i });
    await page.goto(`${base}#/jobs/${jobId}`);
    await marked(page, 'fan', 'current');
    const fan = page.locator(`${node('fan')} .sy-fanout`);
    await expect.poll(() => fan.getAttribute('data-total')).toBe('200');
    const counts = JSON.parse((await fan.getAttribute('data-counts'))!) as Record<string, number>;
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(200);
    expect(await fan.locator('text').textContent()).toContain('30/200 done');
    expect(await page.locator('svg.sy-graph g.node[data-state]').count()).toBe(2);

    await page.click(node('fan'));
    await page.waitForSelector('[data-branches=fan] tr[data-branch]');
    expect(await page.locator('[data-branches=fan] [data-branch-counts]').textContent()).toContain('200 branches');
    expect(await page.locator('[data-branches=fan] tr[data-branch]').count()).toBe(200);
    await shot(page, '11-job-fan-out');

    await page.goto(`${base}#/workers`);
    await page.waitForSelector('[data-list=workers] tr[data-worker="console-w4"]');
    expect(await page.locator('tr[data-worker="console-w4"]').textContent()).toContain('console.branch');
    await expect.poll(() => page.locator('[data-queue="console.branch"] td >> nth=1').textContent()).toBe('170');
    expect(Number(await page.locator('[data-count=waiting_for_parallel] strong').textContent())).toBeGreaterThanOrEqual(1);
    await shot(page, '12-workers-dashboard');
  });

  it('asks for the token again when the server stops accepting it', async () => {
    await page.evaluate(`sessionStorage.setItem('switchyard.clientToken', 'revoked-token-0123456789')`);
    await page.goto(`${base}#/workers`);
    await page.reload();
    await page.waitForSelector('form[data-form=login]');
    expect(await page.locator('form[data-form=login] [role=alert]').textContent()).toContain('enter it again');
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
  });

  it('threw no error in the page', () => {
    expect(browser.errors).toEqual([]);
  });
});
