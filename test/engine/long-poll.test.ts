/**
 * The long-poll's one hard race: a claim already sent to the store when its poll ends (the client went
 * away, the server drains). The store wrapper holds each claim until the test lets it go, so the race
 * happens every time instead of once in a few thousand jobs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { noopMetrics, type EngineMetrics } from '../../src/engine/ports.js';
import type { Store } from '../../src/storage/contracts.js';
import { compileAll } from './fixtures.js';
import { never, startHarness, type Harness } from './engine-harness.js';

const blueprints = compileAll(`
name: single
start: work
states:
  work: { type: task, task: echo, transitions: { success: done } }
  done: { type: end }
`,
  `
name: quick
start: work
states:
  work: { type: task, task: echo, dispatch_timeout: 5s, transitions: { success: done } }
  done: { type: end }
`,
);

/** While the gate is closed, claims wait at it; `open()` lets the waiting ones (and later ones) through. */
function gatedClaims(): { wrap: (store: Store) => Store; held: () => number; close: () => void; open: () => void } {
  let waiting: (() => void)[] = [];
  let closed = true;
  return {
    wrap: (store) => ({
      ...store,
      tasks: {
        ...store.tasks,
        async claimNextTask(workerId, now, options) {
          if (closed) await new Promise<void>((resolve) => waiting.push(resolve));
          return store.tasks.claimNextTask(workerId, now, options);
        },
        returnLease: (jobId, taskId, workerId, now) => store.tasks.returnLease(jobId, taskId, workerId, now),
        depths: () => store.tasks.depths(),
      },
    }),
    held: () => waiting.length,
    close() {
      closed = true;
    },
    open() {
      closed = false;
      for (const resolve of waiting) resolve();
      waiting = [];
    },
  };
}

let h: Harness;
let waitingPolls = 0;
const waitingMetrics: EngineMetrics = {
  ...noopMetrics,
  pollWaiting(delta: number) {
    waitingPolls += delta;
  },
};
afterEach(async () => {
  await h?.close();
  waitingPolls = 0;
});

const register = (id: string) => h.engine.registerWorker({ worker_id: id, supported_tasks: ['echo'] });
const create = () => h.engine.createJob({ blueprint: 'single', initial_data: {}, client_id: 'c' });
const eventsOf = async (jobId: string) =>
  (await h.engine.history(jobId)).filter((e) => e.event_type.startsWith('task_')).map((e) => `${e.event_type} ${String(e.worker_id ?? '')}`.trim());

describe('long-poll: a claim that returns after its poll ended', () => {
  it('puts the task back as the same attempt when the poll was aborted during the first claim', async () => {
    const gate = gatedClaims();
    h = await startHarness(blueprints, { wrapStore: gate.wrap });
    await register('w1');
    await register('w2');
    const { job_id } = await create();
    const controller = new AbortController();
    const poll = h.engine.nextTask('w1', { timeoutMs: 10_000, signal: controller.signal });
    await expect.poll(() => gate.held()).toBe(1);
    controller.abort();
    gate.open();
    expect(await poll).toBeNull();
    const task = await h.engine.nextTask('w2', { timeoutMs: 0, signal: never });
    expect(task).toMatchObject({ job_id, attempt: 1 });
    expect(await eventsOf(job_id)).toEqual(['task_queued', 'task_leased w1', 'task_returned w1', 'task_leased w2']);
  });

  it('puts the task back when the poll was aborted during the claim after a wake-up', async () => {
    const gate = gatedClaims();
    gate.open();
    h = await startHarness(blueprints, { wrapStore: gate.wrap, metrics: waitingMetrics });
    await register('w1');
    await register('w2');
    const controller = new AbortController();
    const poll = h.engine.nextTask('w1', { timeoutMs: 10_000, signal: controller.signal });
    await expect.poll(() => waitingPolls).toBe(1);
    gate.close();
    const { job_id } = await create();
    await expect.poll(() => gate.held()).toBe(1);
    controller.abort();
    gate.open();
    expect(await poll).toBeNull();
    expect(await h.engine.nextTask('w2', { timeoutMs: 0, signal: never })).toMatchObject({ job_id, attempt: 1 });
    expect(await eventsOf(job_id)).toEqual(['task_queued', 'task_leased w1', 'task_returned w1', 'task_leased w2']);
  });

  it('wakes another waiting poll when it puts a task back', async () => {
    const gate = gatedClaims();
    gate.open();
    h = await startHarness(blueprints, { wrapStore: gate.wrap, metrics: waitingMetrics });
    await register('w1');
    await register('w2');
    const controller = new AbortController();
    const first = h.engine.nextTask('w1', { timeoutMs: 10_000, signal: controller.signal });
    await expect.poll(() => waitingPolls).toBe(1);
    const second = h.engine.nextTask('w2', { timeoutMs: 10_000, signal: never });
    await expect.poll(() => waitingPolls).toBe(2);
    gate.close();
    const { job_id } = await create();
    // Only the longest-waiting poll (w1) is woken; its claim is held while w1 goes away.
    await expect.poll(() => gate.held()).toBe(1);
    controller.abort();
    gate.open();
    expect(await first).toBeNull();
    expect(await second).toMatchObject({ job_id, attempt: 1 });
  });

  it('does not wait as a zombie when the poll is aborted while it looks up its worker', async () => {
    let releaseGet: (() => void) | undefined;
    let metrics = 0;
    h = await startHarness(blueprints, {
      metrics: { ...noopMetrics, pollWaiting: (delta: number) => void (metrics += delta) },
      wrapStore: (store) => ({
        ...store,
        workers: {
          ...store.workers,
          register: (worker) => store.workers.register(worker),
          heartbeat: (id, now, options) => store.workers.heartbeat(id, now, options),
          list: (now) => store.workers.list(now),
          claimExpired: (now, limit) => store.workers.claimExpired(now, limit),
          async get(id, now) {
            await new Promise<void>((resolve) => (releaseGet = resolve));
            return store.workers.get(id, now);
          },
        },
      }),
    });
    await register('w1');
    await register('w2');
    const controller = new AbortController();
    const poll = h.engine.nextTask('w1', { timeoutMs: 10_000, signal: controller.signal });
    await expect.poll(() => releaseGet).toBeDefined();
    controller.abort();
    releaseGet!();
    expect(await poll).toBeNull();
    expect(metrics).toBe(0);
    const { job_id } = await create();
    const other = h.engine.nextTask('w2', { timeoutMs: 0, signal: never });
    expect(await other).toMatchObject({ job_id });
    expect(await eventsOf(job_id)).toEqual(['task_queued', 'task_leased w2']);
  });

  it('keeps the original dispatch deadline of a task it puts back, so nobody taking it still fails the job', async () => {
    const gate = gatedClaims();
    h = await startHarness(blueprints, { wrapStore: gate.wrap });
    await register('w1');
    const { job_id } = await h.engine.createJob({ blueprint: 'quick', initial_data: {}, client_id: 'c' });
    await h.advance(3000);
    const controller = new AbortController();
    const poll = h.engine.nextTask('w1', { timeoutMs: 10_000, signal: controller.signal });
    await expect.poll(() => gate.held()).toBe(1);
    controller.abort();
    gate.open();
    expect(await poll).toBeNull();
    expect(await eventsOf(job_id)).toEqual(['task_queued', 'task_leased w1', 'task_returned w1']);
    // 5s after it was first queued, not 5s after it came back.
    await h.advance(1999);
    expect((await h.engine.getJob(job_id)).status).toBe('waiting_for_worker');
    await h.advance(1);
    expect(await h.engine.getJob(job_id)).toMatchObject({ status: 'failed', error: { code: 'DISPATCH_TIMEOUT' } });
    expect(await eventsOf(job_id)).toEqual(['task_queued', 'task_leased w1', 'task_returned w1', 'task_timeout']);
  });

  it('returns a delivered-then-lost task only while this worker holds it', async () => {
    const gate = gatedClaims();
    gate.open();
    h = await startHarness(blueprints, { wrapStore: gate.wrap });
    await register('w1');
    await register('w2');
    const { job_id } = await create();
    const task = await h.engine.nextTask('w1', { timeoutMs: 0, signal: never });
    expect(task).not.toBeNull();
    expect(await h.engine.returnTask('w2', task!)).toBe(false);
    expect(await h.engine.returnTask('w1', task!)).toBe(true);
    expect(await h.engine.returnTask('w1', task!)).toBe(false);
    expect(await h.engine.nextTask('w2', { timeoutMs: 0, signal: never })).toMatchObject({ job_id, task_id: task!.task_id });
  });
});
