/**
 * The store on a local three-node Redis Cluster: the whole contract suite, plus the layout rule that
 * makes it possible (every key of one Switchyard in one slot, see docs/scaling.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from 'ioredis';
import { createRedisStore } from '../../src/storage/redis.js';
import { describeStoreContract, jobRecord, taskRecord, workerRecord } from '../storage/contract.js';
import { startRedisCluster, type RedisCluster } from '../support/redis.js';
import { hasTool } from '../support/tools.js';
import { asClient, asWorker, startOrchestrator } from './processes.js';

describe.skipIf(!hasTool('redis-server'))('redis cluster', () => {
  let cluster: RedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  });
  afterAll(async () => {
    await cluster.stop();
  });

  describeStoreContract('redis cluster', async () => {
    const store = createRedisStore({ url: cluster.urls[0]! });
    await store.start();
    await store.flush();
    return store;
  });

  it('detects the Cluster from one seed node and keeps every key of the store in one slot', async () => {
    const store = createRedisStore({ url: cluster.urls[1]!, prefix: 'slot-test:' });
    await store.start();
    try {
      expect(store.keys().root).toBe('{slot-test:}');
      await store.jobs.commit({ job: jobRecord('j1'), expected_version: null, enqueue: [taskRecord('t1', 'j1')], idempotency: { client_id: 'c', key: 'k' } });
      await store.workers.register(workerRecord('w1'));
      await store.tasks.claimNextTask('w1', 1_700_000_000_001, { alive_until: 1_700_000_060_000 });
      const client = new Cluster(cluster.ports.map((port) => ({ host: '127.0.0.1', port })), { lazyConnect: true });
      try {
        await client.connect();
        const keys: string[] = [];
        for (const node of client.nodes('master')) keys.push(...(await node.keys('{slot-test:}*')));
        expect(keys.length).toBeGreaterThan(5);
        const slots = new Set(await Promise.all(keys.map((key) => client.cluster('KEYSLOT', key))));
        expect(slots.size).toBe(1);
      } finally {
        client.disconnect();
      }
      await store.flush();
    } finally {
      await store.close();
    }
  });

  it('runs jobs end to end through two orchestrator processes given one seed node each', async () => {
    const [a, b] = await Promise.all([
      startOrchestrator(cluster.urls[0]!, { REDIS_PREFIX: 'cluster-e2e:' }),
      startOrchestrator(cluster.urls[2]!, { REDIS_PREFIX: 'cluster-e2e:' }),
    ]);
    try {
      await asWorker(b.url, 'POST', '/_worker/workers/register', { worker_id: 'cw', supported_tasks: ['work'] });
      const poll = asWorker(b.url, 'GET', '/_worker/workers/cw/tasks/next?timeout=10');
      await new Promise((resolve) => setTimeout(resolve, 200));
      const created = await asClient(a.url, 'POST', '/api/v1/jobs/single', { initial_data: { n: 7 } });
      const task = (await poll).body as { job_id: string; task_id: string; params: { n: number } };
      expect(task).toMatchObject({ job_id: (created.body as { job_id: string }).job_id, params: { n: 7 } });
      const result = await asWorker(a.url, 'POST', '/_worker/tasks/result', { job_id: task.job_id, task_id: task.task_id, worker_id: 'cw', result: { status: 'success', data: { ok: 1 } } });
      expect(result.body).toEqual({ status: 'result_accepted_success' });
      expect((await asClient(b.url, 'GET', `/api/v1/jobs/${task.job_id}`)).body).toMatchObject({ status: 'finished', state_history: { ok: 1 } });
    } finally {
      await Promise.all([a.kill('SIGTERM'), b.kill('SIGTERM')]);
    }
  }, 60_000);
});
