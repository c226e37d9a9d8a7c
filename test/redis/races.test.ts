/**
 * Races across connections, as several processes would run them: 200 branch results applied to one job
 * with compare-and-set (each loser re-loads and retries; none is lost or applied twice), tasks claimed
 * by many workers at once (each task to exactly one), and due timers claimed by several sweeps at once
 * (each timer to exactly one).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobRecord } from '../../src/storage/types.js';
import { createRedisStore, type RedisStore } from '../../src/storage/redis.js';
import { jobRecord, taskRecord, timerRecord, workerRecord } from '../storage/contract.js';
import { startRedisServer, type RedisServer } from '../support/redis.js';
import { hasTool } from '../support/tools.js';

describe.skipIf(!hasTool('redis-server'))('redis compare-and-set across processes', () => {
  let server: RedisServer;
  const stores: RedisStore[] = [];
  beforeAll(async () => {
    server = await startRedisServer();
    for (let i = 0; i < 3; i++) {
      const store = createRedisStore({ url: server.url, connectionName: `cas-${i}` });
      await store.start();
      stores.push(store);
    }
  });
  afterAll(async () => {
    for (const store of stores) await store.close();
    await server.stop();
  });

  it('keeps all of 200 branch results committed concurrently through three connections', async () => {
    const branches = 200;
    await stores[0]!.jobs.commit({ job: jobRecord('fan', { state_history: { results: [] } }), expected_version: null });
    let conflicts = 0;
    const apply = async (branch: number): Promise<void> => {
      const store = stores[branch % stores.length]!;
      for (;;) {
        const loaded = await store.jobs.load('fan');
        const job: JobRecord = loaded!.job;
        const results = [...(job.state_history.results as number[]), branch];
        const next = { ...job, version: job.version + 1, state_history: { results } };
        const outcome = await store.jobs.commit({ job: next, expected_version: job.version, history: [{ event_id: `b${branch}`, job_id: 'fan', timestamp: branch, event_type: 'task_result', state: 'fan' }] });
        if (outcome.ok) return;
        conflicts += 1;
      }
    };
    await Promise.all(Array.from({ length: branches }, (_, i) => apply(i)));
    const final = (await stores[1]!.jobs.load('fan'))!.job;
    expect((final.state_history.results as number[]).slice().sort((a, b) => a - b)).toEqual(Array.from({ length: branches }, (_, i) => i));
    expect(final.version).toBe(branches + 1);
    expect(await stores[2]!.jobs.history('fan')).toHaveLength(branches);
    // The race was real: most first tries lost to another commit.
    expect(conflicts).toBeGreaterThan(0);
  });

  it('hands each of 100 tasks to exactly one of 30 workers claiming through three connections', async () => {
    const T0 = 1_700_000_000_000;
    const tasks = Array.from({ length: 100 }, (_, i) => taskRecord(`race-t${i}`, 'race'));
    await stores[0]!.jobs.commit({ job: jobRecord('race'), expected_version: null, enqueue: tasks });
    for (let w = 0; w < 30; w++) await stores[w % 3]!.workers.register(workerRecord(`race-w${w}`));
    const claimed: string[] = [];
    await Promise.all(
      Array.from({ length: 30 }, async (_, w) => {
        for (;;) {
          const result = await stores[w % 3]!.tasks.claimNextTask(`race-w${w}`, T0 + 1, { alive_until: T0 + 60_000 });
          if (result.outcome !== 'claimed') return;
          claimed.push(result.task.task_id);
        }
      }),
    );
    expect(claimed.sort()).toEqual(tasks.map((t) => t.task_id).sort());
  });

  it('hands each due timer to exactly one of three sweeping processes', async () => {
    const T0 = 1_700_000_000_000;
    await stores[0]!.timers.set(Array.from({ length: 300 }, (_, i) => timerRecord(`race-timer${i}`, 'race', T0 + i)));
    const batches = await Promise.all(
      Array.from({ length: 12 }, (_, i) => stores[i % 3]!.timers.claimDue(T0 + 1000, 40, 60_000)),
    );
    const ids = batches.flat().map((t) => t.id);
    expect(ids).toHaveLength(300);
    expect(new Set(ids).size).toBe(300);
  });
});
