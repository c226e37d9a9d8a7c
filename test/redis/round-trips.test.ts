/**
 * The Redis round-trip budget of a single-task job (issue 6): create, poll, result through the real
 * HTTP server must cost at most 6 round trips to Redis, background sweeps included. Counted by the
 * store itself (each script, command or pipeline once); Redis's own command count is printed too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { loadConfig } from '../../src/config.js';
import { startSwitchyard, type RunningSwitchyard } from '../../src/main.js';
import { createRedisStore, type RedisStore } from '../../src/storage/redis.js';
import { startRedisServer, type RedisServer } from '../support/redis.js';
import { hasTool } from '../support/tools.js';
import { asClient, asWorker, BLUEPRINTS, CLIENT_TOKEN, WORKER_TOKEN } from './processes.js';

const ROUND_TRIP_BUDGET = 6;
const JOBS = 50;

/** Calls of every command Redis ran, those inside scripts included. */
async function commandCalls(admin: Redis): Promise<number> {
  const stats = await admin.info('commandstats');
  let total = 0;
  for (const match of stats.matchAll(/^cmdstat_(\w+(?:\|\w+)?):calls=(\d+)/gm)) {
    if (!/^(info|client)/.test(match[1]!)) total += Number(match[2]);
  }
  return total;
}

describe.skipIf(!hasTool('redis-server'))('redis round trips', () => {
  let redis: RedisServer;
  let store: RedisStore;
  let running: RunningSwitchyard;
  let admin: Redis;
  beforeAll(async () => {
    redis = await startRedisServer();
    store = createRedisStore({ url: redis.url });
    const config = loadConfig({ PORT: '0', BLUEPRINTS_DIR: BLUEPRINTS, CLIENT_TOKEN, GLOBAL_WORKER_TOKEN: WORKER_TOKEN, LOG_LEVEL: 'silent', REDIS_URL: redis.url });
    running = await startSwitchyard(config, { store });
    admin = new Redis(redis.url);
  });
  afterAll(async () => {
    admin?.disconnect();
    await running?.close();
    await redis?.stop();
  });

  it(`runs a single-task job in at most ${ROUND_TRIP_BUDGET} Redis round trips`, async () => {
    await asWorker(running.url, 'POST', '/_worker/workers/register', { worker_id: 'rt-w', supported_tasks: ['work'] });
    const tripsBefore = store.roundTrips();
    const commandsBefore = await commandCalls(admin);
    for (let i = 0; i < JOBS; i++) {
      const created = await asClient(running.url, 'POST', '/api/v1/jobs/single', { initial_data: { n: i } });
      expect(created.status).toBe(202);
      const task = (await asWorker(running.url, 'GET', '/_worker/workers/rt-w/tasks/next?timeout=2')).body as { job_id: string; task_id: string };
      const result = await asWorker(running.url, 'POST', '/_worker/tasks/result', { job_id: task.job_id, task_id: task.task_id, worker_id: 'rt-w', result: { status: 'success', data: {} } });
      expect(result.status).toBe(200);
    }
    const trips = (store.roundTrips() - tripsBefore) / JOBS;
    // The INFO call that reads the counters is itself left out of them.
    const commands = ((await commandCalls(admin)) - commandsBefore) / JOBS;
    console.info(`[redis] single-task job: ${trips.toFixed(2)} round trips, ${commands.toFixed(1)} Redis commands (scripts' inner commands included)`);
    expect(trips).toBeLessThanOrEqual(ROUND_TRIP_BUDGET);
  });
});
