import { afterAll, beforeAll, describe } from 'vitest';
import { createRedisStore } from '../../src/storage/redis.js';
import { runEndToEndSuite } from '../http/e2e-suite.js';
import { startRedisServer, type RedisServer } from '../support/redis.js';
import { hasTool } from '../support/tools.js';

// The whole end-to-end suite of the API once more, on a real redis-server: each server of the suite
// gets a store of its own prefix, so their keys never meet.
describe.skipIf(!hasTool('redis-server'))('redis', () => {
  let redis: RedisServer;
  let servers = 0;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis.stop();
  });
  runEndToEndSuite('redis', { store: () => createRedisStore({ url: redis.url, prefix: `e2e-${(servers += 1)}:` }) });
});
