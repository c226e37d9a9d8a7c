/**
 * Redis going away and coming back: calls fail fast with StoreUnavailableError (503) instead of
 * hanging, the store recovers by itself, and with AOF on a restart of Redis loses nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../src/errors.js';
import { createRedisStore, type RedisStore } from '../../src/storage/redis.js';
import { jobRecord, taskRecord, workerRecord } from '../storage/contract.js';
import { startRedisServer, type RedisServer } from '../support/redis.js';
import { hasTool } from '../support/tools.js';

const T0 = 1_700_000_000_000;

async function eventually<T>(call: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (Date.now() > until) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe.skipIf(!hasTool('redis-server'))('redis outage', () => {
  let server: RedisServer | undefined;
  let store: RedisStore | undefined;
  afterEach(async () => {
    await store?.close();
    await server?.stop();
  });

  it('fails calls fast with StoreUnavailableError while Redis is down, and recovers by itself', async () => {
    server = await startRedisServer();
    store = createRedisStore({ url: server.url, commandTimeoutMs: 1000 });
    await store.start();
    await store.jobs.commit({ job: jobRecord('j1'), expected_version: null });

    await server.kill('SIGKILL');
    const started = Date.now();
    const failure = await store.jobs.load('j1').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StoreUnavailableError);
    expect((failure as StoreUnavailableError).status).toBe(503);
    expect((failure as StoreUnavailableError).message).toMatch(/Redis store at 127\.0\.0\.1:\d+ is unavailable/);
    // A second call, made while the client is reconnecting, fails just as fast.
    await expect(store.tasks.depths()).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(Date.now() - started).toBeLessThan(1500);

    await server.restart();
    // Nothing was persisted (no AOF), but the store works again without being restarted.
    const loaded = await eventually(() => store!.jobs.load('j1'));
    expect(loaded).toBeNull();
    expect(await store.jobs.commit({ job: jobRecord('j2'), expected_version: null })).toMatchObject({ ok: true });
  });

  it('wakes waiting polls after the subscriber reconnects, since notices sent meanwhile are lost', async () => {
    server = await startRedisServer();
    store = createRedisStore({ url: server.url });
    await store.start();
    const seen: (string | null)[] = [];
    store.notifier.onTaskQueued((type) => seen.push(type));
    await server.kill('SIGKILL');
    await server.restart();
    await eventually(async () => {
      if (!seen.includes(null)) throw new Error('no re-check notice yet');
    });
  });

  it('loses nothing across a kill -9 of Redis with AOF on', async () => {
    server = await startRedisServer({ aof: true });
    store = createRedisStore({ url: server.url });
    await store.start();
    for (let i = 0; i < 50; i++) {
      await store.jobs.commit({ job: jobRecord(`j${i}`), expected_version: null, enqueue: [taskRecord(`t${i}`, `j${i}`)] });
    }
    await store.workers.register(workerRecord('w1'));
    const claimed = await store.tasks.claimNextTask('w1', T0 + 1, { alive_until: T0 + 60_000 });
    expect(claimed.outcome).toBe('claimed');

    await server.kill('SIGKILL');
    await server.restart();

    const loaded = await eventually(() => store!.jobs.load('j49'));
    expect(loaded?.tasks.map((t) => t.status)).toEqual(['queued']);
    expect((await store.jobs.load('j0'))?.tasks.map((t) => [t.status, t.worker_id])).toEqual([['leased', 'w1']]);
    expect(await store.tasks.depths()).toEqual({ work: 49 });
    expect((await store.workers.get('w1', T0 + 2))?.current_tasks).toEqual(['t0']);
    // Scripts were flushed with the restart; they are loaded again on first use.
    expect((await store.tasks.claimNextTask('w1', T0 + 3, { alive_until: T0 + 60_000 })).outcome).toBe('claimed');
  });

  it('closes at once while Redis is down', async () => {
    server = await startRedisServer();
    store = createRedisStore({ url: server.url });
    await store.start();
    await server.kill('SIGKILL');
    const started = Date.now();
    await store.close();
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(store.jobs.load('j1')).rejects.toThrow(/not started/);
  });
});
