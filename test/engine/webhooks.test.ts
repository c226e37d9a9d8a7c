import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/engine.js';
import { signBody } from '../../src/engine/webhooks.js';
import { compileAll } from './fixtures.js';
import { never, startHarness, type Harness } from './engine-harness.js';

const blueprints = compileAll(`
name: single
start: work
states:
  work: { type: task, task: echo, transitions: { success: done } }
  done: { type: end, result: { ok: true } }
`);

interface Received {
  body: string;
  signature: string | undefined;
}

/** A receiver that answers each try with the next status of `statuses` (200 once they run out). */
async function receiver(statuses: number[]): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      received.push({ body, signature: req.headers['x-switchyard-signature'] as string | undefined });
      const status = statuses.shift() ?? 200;
      if (status === 302) res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' });
      else res.writeHead(status);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, received, server };
}

let h: Harness;
let server: Server | undefined;
afterEach(async () => {
  await h?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function finishJob(webhookUrl: string): Promise<string> {
  await h.engine.registerWorker({ worker_id: 'w1', supported_tasks: ['echo'] });
  const { job_id } = await h.engine.createJob({ blueprint: 'single', initial_data: {}, client_id: 'c', webhook_url: webhookUrl });
  const task = await h.engine.nextTask('w1', { timeoutMs: 0, signal: never });
  await h.engine.submitResult({ job_id, task_id: task!.task_id, worker_id: 'w1', status: 'success' });
  await h.engine.idle();
  return job_id;
}

describe('engine: job webhooks', () => {
  it('retries with backoff until the receiver accepts, recording each try in the history', async () => {
    const hook = await receiver([500, 503]);
    server = hook.server;
    h = await startHarness(blueprints, { limits: { webhookSecret: 'shh', webhookBackoffMs: 1000 } });
    const jobId = await finishJob(hook.url);
    expect(hook.received).toHaveLength(1);
    await h.advance(999);
    expect(hook.received).toHaveLength(1);
    await h.advance(1);
    expect(hook.received).toHaveLength(2);
    await h.advance(2000);
    expect(hook.received).toHaveLength(3);
    await h.advance(60_000);
    expect(hook.received).toHaveLength(3);
    const tries = (await h.engine.history(jobId)).filter((e) => e.event_type === 'webhook_delivery');
    expect(tries.map((e) => [e.attempt, e.outcome, e.status_code])).toEqual([
      [1, 'retry', 500],
      [2, 'retry', 503],
      [3, 'delivered', 200],
    ]);
  });

  it('posts the documented body, signed with HMAC-SHA256 of the body', async () => {
    const hook = await receiver([]);
    server = hook.server;
    h = await startHarness(blueprints, { limits: { webhookSecret: 'shh' } });
    const jobId = await finishJob(hook.url);
    const [delivery] = hook.received;
    expect(JSON.parse(delivery!.body)).toEqual({
      event: 'job_finished',
      job_id: jobId,
      status: 'finished',
      result: { ok: true },
      error: null,
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const expected = `sha256=${createHmac('sha256', 'shh').update(delivery!.body).digest('hex')}`;
    expect(delivery!.signature).toBe(expected);
    expect(signBody(delivery!.body, 'shh')).toBe(expected);
  });

  it('sends no signature header without a secret', async () => {
    const hook = await receiver([]);
    server = hook.server;
    h = await startHarness(blueprints);
    await finishJob(hook.url);
    expect(hook.received[0]!.signature).toBeUndefined();
  });

  it('does not follow a redirect: it counts as a failed try', async () => {
    const hook = await receiver([302]);
    server = hook.server;
    h = await startHarness(blueprints, { limits: { webhookBackoffMs: 1000 } });
    const jobId = await finishJob(hook.url);
    const [first] = (await h.engine.history(jobId)).filter((e) => e.event_type === 'webhook_delivery');
    expect(first).toMatchObject({ outcome: 'retry', status_code: 302 });
  });

  it('gives up after the last of at least 5 tries', async () => {
    const hook = await receiver(Array.from({ length: 20 }, () => 500));
    server = hook.server;
    h = await startHarness(blueprints, { limits: { webhookBackoffMs: 1000, webhookMaxAttempts: 5 } });
    const jobId = await finishJob(hook.url);
    for (let i = 0; i < 10; i++) await h.advance(20_000);
    expect(hook.received).toHaveLength(5);
    const tries = (await h.engine.history(jobId)).filter((e) => e.event_type === 'webhook_delivery');
    expect(tries.at(-1)).toMatchObject({ attempt: 5, outcome: 'gave_up' });
  });

  it('keeps pending deliveries in the store, so another engine on the same store delivers them', async () => {
    const hook = await receiver([500]);
    server = hook.server;
    h = await startHarness(blueprints, { limits: { webhookBackoffMs: 1000 } });
    const jobId = await finishJob(hook.url);
    await h.engine.close();
    const restarted = createEngine({ store: h.store, blueprints, clock: h.clock, limits: { sweepIntervalMs: 3_600_000 } });
    await restarted.start();
    h.clock.advance(1000);
    await restarted.tick();
    await restarted.close();
    expect(hook.received).toHaveLength(2);
    expect((await h.store.jobs.history(jobId)).filter((e) => e.event_type === 'webhook_delivery').map((e) => e.outcome)).toEqual(['retry', 'delivered']);
  });

  it('sends a webhook once when a second engine sweeps the same store right after the job ended', async () => {
    const hook = await receiver([]);
    server = hook.server;
    h = await startHarness(blueprints);
    const other = createEngine({ store: h.store, blueprints, clock: h.clock, limits: { sweepIntervalMs: 3_600_000 } });
    await other.start();
    await h.engine.registerWorker({ worker_id: 'w1', supported_tasks: ['echo'] });
    const { job_id } = await h.engine.createJob({ blueprint: 'single', initial_data: {}, client_id: 'c', webhook_url: hook.url });
    const task = await h.engine.nextTask('w1', { timeoutMs: 0, signal: never });
    await h.engine.submitResult({ job_id, task_id: task!.task_id, worker_id: 'w1', status: 'success' });
    // The first engine's try is in flight while the other one sweeps.
    await Promise.all([other.tick(), h.engine.idle()]);
    await other.close();
    expect(hook.received).toHaveLength(1);
  });
});
