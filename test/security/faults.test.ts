/**
 * Faults: a worker that dies holding a task, results posted twice, at once or too late, and a clock
 * that jumps forward and back. (Orchestrator crashes on Redis: redis-crash-loop.test.ts and
 * test/redis/crash.test.ts; Redis outages: test/redis/outage.test.ts.)
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBlueprints } from '../../src/blueprint/index.js';
import type { CompiledBlueprint } from '../../src/blueprint/types.js';
import { createEngine } from '../../src/engine/engine.js';
import { createMemoryStore } from '../../src/storage/memory.js';
import { HttpWorker } from '../support/http-worker.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { runFuzz } from './fuzz-settings.js';
import { SEC_BLUEPRINTS } from './support.js';

describe('workers that die or repeat themselves', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ blueprintsDir: SEC_BLUEPRINTS, env: { WORKER_TTL: '500ms' } });
  });
  afterAll(() => server.close());

  const taskResults = async (jobId: string) =>
    (await server.client.get<{ event_type: string }[]>(`/api/v1/jobs/${jobId}/history`)).body.filter((e) => e.event_type === 'task_result');

  /** A live worker: heartbeats between short polls (a poll alone does not refresh WORKER_TTL). */
  async function takeAlive(worker: HttpWorker, jobId: string, timeoutMs = 5000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      await worker.heartbeat({ supported_tasks: worker.supportedTasks });
      const task = await worker.poll(0.2);
      if (task) {
        expect(task.job_id).toBe(jobId);
        return task;
      }
    }
    throw new Error(`${worker.id} got no task for job ${jobId}`);
  }

  it('re-queues the task of a worker that stops heartbeating after WORKER_TTL, and refuses its late result with 409', async () => {
    const dying = new HttpWorker(server, 'dying', ['sec.echo']);
    await dying.register();
    const jobId = await server.createJob('sec_echo', { message: 'orphan' });
    const task = await takeAlive(dying, jobId);
    // The worker "dies": no heartbeat. Another worker gets the same work as a new attempt.
    const heir = new HttpWorker(server, 'heir', ['sec.echo']);
    await heir.register();
    const retried = await takeAlive(heir, jobId);
    expect(retried.job_id).toBe(jobId);
    expect(retried.task_id).not.toBe(task.task_id);
    expect(retried.attempt).toBe(2);
    const late = await dying.succeed(task, { late: true });
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ code: 'TASK_NOT_CURRENT' });
    expect((await heir.succeed(retried, { heir: true })).status).toBe(200);
    expect((await server.waitForJob(jobId)).result).toEqual({ heir: true });
  });

  it('applies a result posted twice once (both 200), and refuses a different second result with 409', async () => {
    const worker = new HttpWorker(server, 'twice', ['sec.echo']);
    await worker.register();
    const jobId = await server.createJob('sec_echo', { message: 'twice' });
    const task = await takeAlive(worker, jobId);
    const first = await worker.succeed(task, { n: 1 });
    const again = await worker.succeed(task, { n: 1 });
    expect([first.status, again.status]).toEqual([200, 200]);
    expect(again.body).toEqual(first.body);
    const other = await worker.succeed(task, { n: 2 });
    expect(other.status).toBe(409);
    expect(await taskResults(jobId)).toHaveLength(1);
    expect((await server.waitForJob(jobId)).result).toEqual({ n: 1 });
  });

  it('applies 20 copies of one result posted at the same moment exactly once', async () => {
    const worker = new HttpWorker(server, 'burst', ['sec.echo']);
    await worker.register();
    const jobId = await server.createJob('sec_echo', { message: 'burst' });
    const task = await takeAlive(worker, jobId);
    const replies = await Promise.all(Array.from({ length: 20 }, () => worker.succeed(task, { once: true })));
    expect(replies.every((r) => r.status === 200 || r.status === 409)).toBe(true);
    expect(replies.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(1);
    expect(await taskResults(jobId)).toHaveLength(1);
    expect((await server.waitForJob(jobId)).status).toBe('finished');
  });
});

describe('clock jumps', () => {
  let blueprints: ReadonlyMap<string, CompiledBlueprint>;
  beforeAll(async () => {
    blueprints = (await loadBlueprints(SEC_BLUEPRINTS)).blueprints;
  });

  /** An engine and a memory store on one fake clock (as in production, where both read the system clock). */
  async function engineOnClock(start: number) {
    let now = start;
    const clock = { now: () => now };
    const store = createMemoryStore({ clock });
    await store.start();
    const engine = createEngine({ store, blueprints, clock, limits: { sweepIntervalMs: 3_600_000 } });
    await engine.start();
    return {
      engine,
      set: async (ms: number) => {
        now = ms;
        await engine.tick();
      },
      close: async () => {
        await engine.close();
        await store.close();
      },
    };
  }

  const T0 = Date.parse('2026-06-01T00:00:00Z');
  const WAIT = 10 * 60_000;

  it('fires a due timer once when the clock jumps forward, and never again when it jumps back', async () => {
    const run = await engineOnClock(T0);
    try {
      const { job_id: jobId } = await run.engine.createJob({ blueprint: 'sec_wait', initial_data: {}, client_id: 'default' });
      await run.set(T0 - 3_600_000); // back an hour
      expect((await run.engine.getJob(jobId)).status).toBe('waiting');
      await run.set(T0 + WAIT - 1);
      expect((await run.engine.getJob(jobId)).status).toBe('waiting');
      await run.set(T0 + 5 * 3_600_000); // forward five hours
      expect((await run.engine.getJob(jobId)).status).toBe('finished');
      const events = (await run.engine.history(jobId)).length;
      for (const at of [T0, T0 - 86_400_000, T0 + WAIT, T0 + 86_400_000]) await run.set(at);
      expect((await run.engine.history(jobId)).length).toBe(events);
    } finally {
      await run.close();
    }
  });

  it('fires each wait exactly once, never before it is due, whatever the jumps (property)', async () => {
    const jumps = fc.array(fc.integer({ min: -2 * 3_600_000, max: 2 * 3_600_000 }), { minLength: 1, maxLength: 12 });
    const starts = fc.array(fc.integer({ min: 0, max: 3 * WAIT }), { minLength: 1, maxLength: 6 });
    await runFuzz(
      'clock jumps',
      fc.asyncProperty(starts, jumps, async (offsets, moves) => {
        const run = await engineOnClock(T0);
        try {
          const jobs: { id: string; due: number }[] = [];
          let clock = T0;
          for (const offset of offsets) {
            clock = T0 + offset;
            await run.set(clock);
            const { job_id: id } = await run.engine.createJob({ blueprint: 'sec_wait', initial_data: {}, client_id: 'default' });
            jobs.push({ id, due: clock + WAIT });
          }
          for (const move of moves) {
            clock += move;
            await run.set(clock);
            for (const job of jobs) {
              const view = await run.engine.getJob(job.id);
              // Ended only if the clock has been at or past its due time at some tick.
              if (view.status === 'finished') expect(Date.parse(String(view.finished_at))).toBeGreaterThanOrEqual(job.due);
            }
          }
          await run.set(Math.max(clock, T0) + 10 * WAIT);
          for (const job of jobs) {
            const history = await run.engine.history(job.id);
            expect(history.filter((e) => e.event_type === 'state_entered' && e.state === 'done')).toHaveLength(1);
            expect((await run.engine.getJob(job.id)).status).toBe('finished');
          }
        } finally {
          await run.close();
        }
      }),
      100,
    );
  }, 60_000);
});

