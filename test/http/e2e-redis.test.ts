import { afterAll, beforeAll } from 'vitest';
import { createRedisStore } from '../../src/storage/redis.js';
import { startRedisServer, type RedisServer } from '../support/redis.js';
import { hasTool } from '../support/tools.js';
import { runEndToEndSuite } from './e2e-suite.js';

// One redis-server for the file; each test server gets its own key prefix, so none sees another's jobs.
let redis: RedisServer | undefined;
let servers = 0;
beforeAll(async () => {
  if (hasTool('redis-server')) redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

runEndToEndSuite('redis', {
  skip: hasTool('redis-server') ? undefined : 'redis-server is not installed',
  store: () => createRedisStore({ url: redis!.url, prefix: `e2e-${process.pid}-${(servers += 1)}:` }),
});
