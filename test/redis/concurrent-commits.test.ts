/**
 * Compare-and-set across connections: several store instances (as several processes would hold) race
 * to apply 200 branch results to one job; every commit re-loads and retries on a version conflict, and
 * no result is lost or applied twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobRecord } from '../../src/storage/types.js';
import { createRedisStore, type RedisStore } from '../../src/storage/redis.js';
import { jobRecord } from '../storage/contract.js';
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
});
