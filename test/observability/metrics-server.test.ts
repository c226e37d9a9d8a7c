/**
 * Metrics of the real server change with the work it does: jobs, tasks, workers, long-polls and HTTP
 * requests, scraped from GET /_public/metrics like Prometheus would.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpWorker } from '../support/http-worker.js';
import { eventually, startTestServer, type TestServer } from '../support/server.js';

const BLUEPRINT = `
name: metered
api: { version: v1, endpoint: /jobs/metered }
start: work
states:
  work:
    type: task
    task: meter.work
    retry: { max_attempts: 1 }
    transitions: { success: done, failure: failed }
  done: { type: end }
  failed: { type: end, status: failed }
`;

/** The value of the sample `name{labels}` (labels matched exactly), or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort()
    .join(',');
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = [...(match[2] ?? '').matchAll(/([a-zA-Z_]+="(?:[^"\\]|\\.)*")/g)].map((m) => m[1]).sort().join(',');
    if (found === wanted) return Number(match[3]);
  }
  return undefined;
}

describe('GET /_public/metrics on the running server', () => {
  let server: TestServer;
  let dir = '';

  async function scrape(): Promise<string> {
    const response = await fetch(`${server.url}/_public/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return response.text();
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-metrics-'));
    writeFileSync(join(dir, 'metered.yaml'), BLUEPRINT);
    // Polls wait up to 10 s, so a slow machine cannot time one out before the test answers it.
    server = await startTestServer({ blueprintsDir: dir, env: { WORKER_POLL_TIMEOUT: '10s' } });
  });

  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts a job and its task from creation through lease to the end', async () => {
    const worker = new HttpWorker(server, 'meter-1', ['meter.work']);
    expect((await worker.register()).status).toBe(200);
    const jobId = await server.createJob('metered', {});

    let text = await scrape();
    expect(sample(text, 'switchyard_jobs_created_total', { blueprint: 'metered' })).toBe(1);
    expect(sample(text, 'switchyard_tasks_queued_total', { task_type: 'meter.work' })).toBe(1);
    expect(sample(text, 'switchyard_queue_depth', { task_type: 'meter.work' })).toBe(1);
    expect(sample(text, 'switchyard_live_workers')).toBe(1);

    const task = await worker.take();
    expect((await worker.succeed(task)).status).toBe(200);
    await server.waitForJob(jobId);

    text = await scrape();
    expect(sample(text, 'switchyard_tasks_leased_total', { task_type: 'meter.work' })).toBe(1);
    expect(sample(text, 'switchyard_tasks_completed_total', { task_type: 'meter.work', outcome: 'success' })).toBe(1);
    expect(sample(text, 'switchyard_jobs_ended_total', { blueprint: 'metered', status: 'finished' })).toBe(1);
    expect(sample(text, 'switchyard_job_duration_seconds_count', { blueprint: 'metered', status: 'finished' })).toBe(1);
    expect(sample(text, 'switchyard_queue_depth', { task_type: 'meter.work' }) ?? 0).toBe(0);
  });

  it('counts a failed job under its status', async () => {
    const worker = new HttpWorker(server, 'meter-2', ['meter.work']);
    await worker.register();
    const jobId = await server.createJob('metered', {});
    await worker.fail(await worker.take(), 'PERMANENT_ERROR');
    expect((await server.waitForJob(jobId)).status).toBe('failed');
    const text = await scrape();
    expect(sample(text, 'switchyard_jobs_ended_total', { blueprint: 'metered', status: 'failed' })).toBe(1);
    expect(sample(text, 'switchyard_tasks_completed_total', { task_type: 'meter.work', outcome: 'failure' })).toBe(1);
  });

  it('shows a long-poll while it waits and drops it when it is answered', async () => {
    const worker = new HttpWorker(server, 'meter-3', ['meter.work']);
    await worker.register();
    const polling = worker.poll(10);
    await eventually('a waiting poll', async () => (sample(await scrape(), 'switchyard_long_polls_waiting') === 1 ? true : undefined));
    const jobId = await server.createJob('metered', {});
    const task = await polling;
    expect(task?.job_id).toBe(jobId);
    expect(sample(await scrape(), 'switchyard_long_polls_waiting')).toBe(0);
    await worker.succeed(task!);
  });

  it('times HTTP requests by route template, never by raw path', async () => {
    const jobId = await server.createJob('metered', {});
    expect((await server.client.get(`/api/v1/jobs/${jobId}`)).status).toBe(200);
    const text = await scrape();
    expect(sample(text, 'switchyard_http_request_duration_seconds_count', { route: '/api/v1/jobs/:job_id', method: 'GET', code: '200' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'switchyard_http_request_duration_seconds_count', { route: '/api/v1/jobs/metered', method: 'POST', code: '202' })).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain(jobId);
  });

  it('includes the default Node.js process metrics', async () => {
    const text = await scrape();
    expect(text).toMatch(/^switchyard_process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^switchyard_nodejs_heap_size_used_bytes \d/m);
  });

  it('keeps a second server in the same process on its own registry', async () => {
    const other = await startTestServer({ blueprintsDir: dir });
    try {
      const text = await (await fetch(`${other.url}/_public/metrics`)).text();
      expect(sample(text, 'switchyard_jobs_created_total', { blueprint: 'metered' })).toBeUndefined();
    } finally {
      await other.close();
    }
  });
});
