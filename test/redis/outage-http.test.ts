/**
 * Redis down under a running orchestrator: API calls answer 503 with a message that says what is wrong,
 * quickly, the process stays up, and it serves again by itself once Redis is back (AOF: nothing lost).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '../support/redis.js';
import { hasTool } from '../support/tools.js';
import { asClient, asWorker, startOrchestrator, waitFor, type Orchestrator } from './processes.js';

describe.skipIf(!hasTool('redis-server'))('orchestrator while Redis is down', () => {
  let redis: RedisServer;
  let orchestrator: Orchestrator;
  beforeAll(async () => {
    redis = await startRedisServer({ aof: true });
    orchestrator = await startOrchestrator(redis.url);
  });
  afterAll(async () => {
    await orchestrator?.kill('SIGKILL');
    await redis?.stop();
  });

  it('answers 503 with a clear message while Redis is down and recovers by itself', async () => {
    const created = await asClient(orchestrator.url, 'POST', '/api/v1/jobs/single', { initial_data: { n: 1 } });
    expect(created.status).toBe(202);
    const jobId = (created.body as { job_id: string }).job_id;

    await redis.kill('SIGKILL');
    const started = Date.now();
    const down = await asClient(orchestrator.url, 'GET', `/api/v1/jobs/${jobId}`);
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ code: 'STORE_UNAVAILABLE', error: expect.stringMatching(/Redis store at 127\.0\.0\.1:\d+ is unavailable/) });
    const poll = await asWorker(orchestrator.url, 'GET', '/_worker/workers/w1/tasks/next?timeout=1');
    expect(poll.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(3000);

    await redis.restart();
    const back = await waitFor('the API to answer again', async () => {
      const reply = await asClient(orchestrator.url, 'GET', `/api/v1/jobs/${jobId}`);
      return reply.status === 200 ? reply : undefined;
    });
    expect(back.body).toMatchObject({ id: jobId, status: 'waiting_for_worker' });
    // Wake-ups work again too: the subscriber connection came back.
    await asWorker(orchestrator.url, 'POST', '/_worker/workers/register', { worker_id: 'w1', supported_tasks: ['work'] });
    const task = await asWorker(orchestrator.url, 'GET', '/_worker/workers/w1/tasks/next?timeout=5');
    expect(task.status).toBe(200);
    expect((task.body as { job_id: string }).job_id).toBe(jobId);
    const waiting = asWorker(orchestrator.url, 'GET', '/_worker/workers/w1/tasks/next?timeout=10');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const second = await asClient(orchestrator.url, 'POST', '/api/v1/jobs/single', { initial_data: { n: 2 } });
    const woken = await waiting;
    expect(woken.status).toBe(200);
    expect((woken.body as { job_id: string }).job_id).toBe((second.body as { job_id: string }).job_id);
  });
});
