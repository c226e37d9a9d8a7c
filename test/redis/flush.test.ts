/** flush in Redis mode deletes the keys of its own prefix and nothing else (never FLUSHDB). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createRedisStore } from '../../src/storage/redis.js';
import { jobRecord, taskRecord, workerRecord } from '../storage/contract.js';
import { startRedisServer, type RedisServer } from '../support/redis.js';
import { hasTool } from '../support/tools.js';

describe.skipIf(!hasTool('redis-server'))('redis flush', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('deletes only the keys of its prefix, leaving other apps and other Switchyards alone', async () => {
    const client = new Redis(server.url);
    // A prefix with glob characters must not match more than itself.
    const mine = createRedisStore({ url: server.url, prefix: 'sy*[a]:' });
    const other = createRedisStore({ url: server.url, prefix: 'sy-other:' });
    await mine.start();
    await other.start();
    try {
      await client.set('unrelated:key', '1');
      await client.set('sy-x-a:key', '1');
      for (const store of [mine, other]) {
        await store.jobs.commit({ job: jobRecord('j1'), expected_version: null, enqueue: [taskRecord('t1', 'j1')] });
        await store.workers.register(workerRecord('w1'));
      }
      const before = await client.dbsize();
      await mine.flush();
      expect(await mine.jobs.load('j1')).toBeNull();
      expect(await other.jobs.load('j1')).not.toBeNull();
      expect(await client.get('unrelated:key')).toBe('1');
      expect(await client.get('sy-x-a:key')).toBe('1');
      const left = await client.keys('*');
      expect(left.some((key) => key.startsWith('sy*[a]:'))).toBe(false);
      expect(left.length).toBeLessThan(before);
    } finally {
      await mine.close();
      await other.close();
      client.disconnect();
    }
  });
});
