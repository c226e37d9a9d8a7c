import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import Koa from 'koa';
import Router from '@koa/router';
import { Counter } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics, type Metrics } from '../../src/observability/metrics.js';

/** The value of one sample line `name{labels} value` in exposition text, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => found[k] === v) && Object.keys(found).length === Object.keys(labels).length) {
      return Number(match[3]);
    }
  }
  return undefined;
}

describe('createMetrics', () => {
  it('gives each app its own registry, so two apps in one process count separately', async () => {
    const a = createMetrics({ defaultMetrics: false });
    const b = createMetrics({ defaultMetrics: false });
    a.engine.jobCreated('shop');
    a.engine.jobCreated('shop');
    b.engine.jobCreated('shop');
    expect(sample(await a.render(), 'switchyard_jobs_created_total', { blueprint: 'shop' })).toBe(2);
    expect(sample(await b.render(), 'switchyard_jobs_created_total', { blueprint: 'shop' })).toBe(1);
  });

  it('prefixes every metric, default process metrics included, with switchyard_', async () => {
    const metrics = createMetrics();
    const names = (await metrics.registry.getMetricsAsJSON()).map((m) => m.name);
    expect(names).toContain('switchyard_process_cpu_seconds_total');
    expect(names).toContain('switchyard_nodejs_eventloop_lag_seconds');
    expect(names.filter((n) => !n.startsWith('switchyard_'))).toEqual([]);
  });

  it('names every counter with _total and every duration in seconds', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const all = await metrics.registry.getMetricsAsJSON();
    for (const m of all) {
      if (metrics.registry.getSingleMetric(m.name) instanceof Counter) expect(m.name).toMatch(/_total$/);
      if (m.name.includes('duration')) expect(m.name).toMatch(/_seconds$/);
    }
    expect(all.map((m) => m.name).sort()).toEqual([
      'switchyard_http_request_duration_seconds',
      'switchyard_job_duration_seconds',
      'switchyard_jobs_created_total',
      'switchyard_jobs_ended_total',
      'switchyard_live_workers',
      'switchyard_long_polls_waiting',
      'switchyard_queue_depth',
      'switchyard_tasks_completed_total',
      'switchyard_tasks_leased_total',
      'switchyard_tasks_queued_total',
      'switchyard_webhook_deliveries_total',
    ]);
  });

  it('counts ended jobs by blueprint and status and records their duration', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.engine.jobEnded('shop', 'finished', 2);
    metrics.engine.jobEnded('shop', 'failed', 0.02);
    const text = await metrics.render();
    expect(sample(text, 'switchyard_jobs_ended_total', { blueprint: 'shop', status: 'finished' })).toBe(1);
    expect(sample(text, 'switchyard_jobs_ended_total', { blueprint: 'shop', status: 'failed' })).toBe(1);
    expect(sample(text, 'switchyard_job_duration_seconds_sum', { blueprint: 'shop', status: 'finished' })).toBe(2);
    expect(sample(text, 'switchyard_job_duration_seconds_bucket', { blueprint: 'shop', status: 'failed', le: '0.05' })).toBe(1);
  });

  it('counts tasks queued, leased and completed by task type and outcome', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.engine.taskQueued('image.resize');
    metrics.engine.taskQueued('image.resize');
    metrics.engine.taskLeased('image.resize');
    metrics.engine.taskCompleted('image.resize', 'success');
    metrics.engine.taskCompleted('image.resize', 'timeout');
    const text = await metrics.render();
    expect(sample(text, 'switchyard_tasks_queued_total', { task_type: 'image.resize' })).toBe(2);
    expect(sample(text, 'switchyard_tasks_leased_total', { task_type: 'image.resize' })).toBe(1);
    expect(sample(text, 'switchyard_tasks_completed_total', { task_type: 'image.resize', outcome: 'success' })).toBe(1);
    expect(sample(text, 'switchyard_tasks_completed_total', { task_type: 'image.resize', outcome: 'timeout' })).toBe(1);
  });

  it('tracks waiting long-polls up and down', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.engine.pollWaiting(1);
    metrics.engine.pollWaiting(1);
    metrics.engine.pollWaiting(-1);
    expect(sample(await metrics.render(), 'switchyard_long_polls_waiting')).toBe(1);
  });

  it('counts webhook deliveries by outcome', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.engine.webhookDelivery('retry');
    metrics.engine.webhookDelivery('delivered');
    const text = await metrics.render();
    expect(sample(text, 'switchyard_webhook_deliveries_total', { outcome: 'retry' })).toBe(1);
    expect(sample(text, 'switchyard_webhook_deliveries_total', { outcome: 'delivered' })).toBe(1);
  });

  it('reads queue depth and live workers from the sources on every scrape', async () => {
    let queues: Record<string, number> = { 'image.resize': 3, email: 1 };
    let workers = 2;
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.setSources({ queueDepth: async () => queues, liveWorkers: async () => workers });
    let text = await metrics.render();
    expect(sample(text, 'switchyard_queue_depth', { task_type: 'image.resize' })).toBe(3);
    expect(sample(text, 'switchyard_live_workers')).toBe(2);
    queues = { email: 0 };
    workers = 0;
    text = await metrics.render();
    expect(sample(text, 'switchyard_queue_depth', { task_type: 'image.resize' })).toBeUndefined();
    expect(sample(text, 'switchyard_queue_depth', { task_type: 'email' })).toBe(0);
    expect(sample(text, 'switchyard_live_workers')).toBe(0);
  });

  it('still renders, without the gauge, when a source fails, and reports the failure', async () => {
    const failures: string[] = [];
    const metrics = createMetrics({
      defaultMetrics: false,
      sources: {
        queueDepth: () => Promise.reject(new Error('store down')),
        liveWorkers: async () => 4,
        onSourceError: (error, metric) => failures.push(`${metric}: ${(error as Error).message}`),
      },
    });
    const text = await metrics.render();
    expect(text).not.toMatch(/^switchyard_queue_depth\{/m);
    expect(sample(text, 'switchyard_live_workers')).toBe(4);
    expect(failures).toEqual(['queue_depth: store down']);
  });

  it('serves the Prometheus text content type', () => {
    expect(createMetrics({ defaultMetrics: false }).contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });
});

describe('httpMiddleware', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  async function serve(metrics: Metrics): Promise<string> {
    const app = new Koa();
    const router = new Router({ prefix: '/api/v1' });
    router.get('/jobs/:job_id', (ctx) => {
      ctx.body = { id: ctx.params.job_id };
    });
    router.get('/boom', () => {
      throw Object.assign(new Error('teapot'), { status: 418, expose: true });
    });
    app.silent = true;
    app.use(metrics.httpMiddleware());
    app.use(router.routes());
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server!.once('listening', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('labels requests by route template, never by the raw path', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const base = await serve(metrics);
    for (const id of ['a1', 'b2', 'c3']) expect((await fetch(`${base}/api/v1/jobs/${id}`)).status).toBe(200);
    const text = await metrics.render();
    const labels = { route: '/api/v1/jobs/:job_id', method: 'GET', code: '200' };
    expect(sample(text, 'switchyard_http_request_duration_seconds_count', labels)).toBe(3);
    expect(text).not.toContain('a1');
  });

  it('labels a request that matched no route as unmatched', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const base = await serve(metrics);
    expect((await fetch(`${base}/random/${Math.random()}`)).status).toBe(404);
    const labels = { route: 'unmatched', method: 'GET', code: '404' };
    expect(sample(await metrics.render(), 'switchyard_http_request_duration_seconds_count', labels)).toBe(1);
  });

  it('records the status of an error that escapes the handlers', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const base = await serve(metrics);
    expect((await fetch(`${base}/api/v1/boom`)).status).toBe(418);
    const labels = { route: '/api/v1/boom', method: 'GET', code: '418' };
    expect(sample(await metrics.render(), 'switchyard_http_request_duration_seconds_count', labels)).toBe(1);
  });
});
