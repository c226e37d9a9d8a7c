import { afterAll, beforeAll, describe } from 'vitest';
import { createRedisStore } from '../../src/storage/redis.js';
import { startRedisServer, type RedisServer } from '../support/redis.js';
import { hasTool } from '../support/tools.js';
import { describeStoreContract } from './contract.js';

describe.skipIf(!hasTool('redis-server'))('redis store', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  describeStoreContract('redis', async () => {
    const store = createRedisStore({ url: server.url });
    await store.start();
    await store.flush();
    return store;
  });
});
