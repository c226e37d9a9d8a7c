/**
 * Retention in Redis: an ended job and everything it left behind (history, task hash, idempotency key,
 * index entries, status count) is gone after expire_at, and what an ended job costs until then is
 * measured (the figure in docs/scaling.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { HistoryEvent } from '../../src/storage/types.js';
import { createRedisStore, type RedisStore } from '../../src/storage/redis.js';
import { jobRecord, taskRecord } from '../storage/contract.js';
import { startRedisServer, type RedisServer } from '../support/redis.js';
import { hasTool } from '../support/tools.js';

const T0 = 1_700_000_000_000;

function events(jobId: string): HistoryEvent[] {
  return ['job_created', 'state_entered', 'task_queued', 'task_result', 'state_entered', 'job_finished'].map((type, n) => ({
    event_id: `${jobId}:${n}`,
    job_id: jobId,
    timestamp: T0 + n,
    event_type: type,
    state: n < 4 ? 'work' : 'done',
  }));
}

describe.skipIf(!hasTool('redis-server'))('redis retention', () => {
  let server: RedisServer;
  let store: RedisStore;
  let client: Redis;
  beforeAll(async () => {
    server = await startRedisServer();
    store = createRedisStore({ url: server.url });
    await store.start();
    client = new Redis(server.url);
  });
  afterAll(async () => {
    client.disconnect();
    await store.close();
    await server.stop();
  });

  /** A single-task job from create to finished, as the engine commits it. */
  async function runJob(id: string, expireAt: number): Promise<void> {
    const job = jobRecord(id, { initial_data: { n: 1, text: 'hello' }, visited: ['work'] });
    await store.jobs.commit({ job, expected_version: null, enqueue: [taskRecord(`${id}-t`, id)], history: events(id).slice(0, 3), idempotency: { client_id: 'c', key: id } });
    const ended = { ...job, version: 2, status: 'finished' as const, result: { ok: true }, finished_at: T0 + 5, visited: ['work', 'done'] };
    await store.jobs.commit({ job: ended, expected_version: 1, withdraw: [{ task_id: `${id}-t`, reason: 'done' }], history: events(id).slice(3), expire_at: expireAt });
  }

  it('leaves no key of an ended job behind once its retention ran out', async () => {
    await store.flush();
    for (let i = 0; i < 20; i++) await runJob(`gone-${i}`, Date.now() + 200);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await store.jobs.countByStatus()).toEqual({});
    const left = await client.keys(`${store.keys().root}*`);
    // Only the bookkeeping that does not grow with jobs: counters, the enqueue sequence, depths.
    expect(left.sort()).toEqual([store.keys().counts, store.keys().depth, store.keys().seq].sort());
    expect(await client.zcard(store.keys().jobIndex)).toBe(0);
  });

  it('keeps an ended single-task job in under 4 KB until it expires', async () => {
    await store.flush();
    const jobs = 2000;
    const before = Number(/used_memory:(\d+)/.exec(await client.info('memory'))![1]);
    for (let i = 0; i < jobs; i++) await runJob(`kept-${String(i).padStart(5, '0')}`, Date.now() + 3_600_000);
    const after = Number(/used_memory:(\d+)/.exec(await client.info('memory'))![1]);
    const perJob = (after - before) / jobs;
    const keys = store.keys();
    const one = 'kept-00000';
    const usage = await Promise.all([keys.job(one), keys.history(one), keys.idempotency('c', one)].map((key) => client.memory('USAGE', key)));
    console.info(`[redis] ended single-task job: ${Math.round(perJob)} bytes (INFO used_memory delta over ${jobs}); keys of one: ${usage.join(' + ')} bytes (MEMORY USAGE)`);
    expect(perJob).toBeLessThan(4096);
  });
});
