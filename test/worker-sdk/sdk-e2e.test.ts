/**
 * The SDK against the real server: jobs of test/fixtures/sdk-blueprints run end to end, each error
 * class reaches the job, cancels arrive by socket, heartbeat and 409, progress shows on the job, the
 * worker survives a server restart, and stop() finishes what it holds.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { echo, fail, sleep } from '../../src/worker-sdk/example-handlers.js';
import { TaskAbortedError, createWorker, silentLogger } from '../../src/worker-sdk/index.js';
import type { SwitchyardWorker, TaskHandler, WorkerOptions } from '../../src/worker-sdk/index.js';
import { startRedisServer, type RedisServer } from '../support/redis.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { hasTool } from '../support/tools.js';
import { waitFor } from './wait-for.js';

const SDK_BLUEPRINTS = fileURLToPath(new URL('../fixtures/sdk-blueprints', import.meta.url));

let server: TestServer;
const workers: SwitchyardWorker[] = [];

/** `port` reuses the port of a server that was closed: a restart (with a new, empty memory store). */
function startServer(port = 0): Promise<TestServer> {
  return startTestServer({ blueprintsDir: SDK_BLUEPRINTS, env: { PORT: String(port), WORKER_POLL_TIMEOUT: '5s' } });
}

const createJob = (blueprint: string, initialData: Record<string, unknown> = {}): Promise<string> => server.createJob(blueprint, initialData);
const getJob = (jobId: string) => server.getJob(jobId);
const jobEnded = (jobId: string) => server.waitForJob(jobId);
const cancelJob = (jobId: string) => server.client.post(`/api/v1/jobs/${jobId}/cancel`);
const history = async (jobId: string) => (await server.client.get<{ event_type: string }[]>(`/api/v1/jobs/${jobId}/history`)).body;
const listWorkers = async () => (await server.client.get<{ worker_id: string }[]>('/api/v1/workers')).body;

beforeEach(async () => {
  server = await startServer();
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop({ timeoutMs: 500 })));
  await server.close();
});

function startWorker(tasks: Record<string, TaskHandler>, options: Partial<WorkerOptions> = {}): Promise<SwitchyardWorker> {
  const worker = createWorker({
    url: server.url,
    token: server.workerToken,
    workerId: `sdk-e2e-${workers.length + 1}`,
    tasks,
    heartbeatInterval: 500,
    backoff: { initialMs: 50, maxMs: 500 },
    logger: silentLogger,
    ...options,
  });
  workers.push(worker);
  return worker.start().then(() => worker);
}

const EXAMPLES = { 'sdk.echo': echo, 'sdk.fail': fail, 'sdk.sleep': sleep };

/** A sleep handler that records when it started and when its signal aborted, and why. */
function watchedSleep() {
  const seen = { started: 0, abortedAt: 0, reason: undefined as unknown };
  const handler: TaskHandler = (task, ctx) => {
    seen.started = performance.now();
    ctx.signal.addEventListener('abort', () => {
      seen.abortedAt = performance.now();
      seen.reason = ctx.signal.reason;
    });
    return sleep(task, ctx);
  };
  return { seen, handler };
}

describe('the SDK against the real server', () => {
  it('runs a job end to end: the handler data becomes the result', async () => {
    await startWorker(EXAMPLES);
    const jobId = await createJob('sdk_echo', { message: 'hi' });
    const job = await jobEnded(jobId);
    expect(job.status).toBe('finished');
    expect(job.result).toMatchObject({ message: 'hi' });
  });

  it('retries a TransientError until an attempt succeeds', async () => {
    await startWorker(EXAMPLES);
    const jobId = await createJob('sdk_fail', { code: 'transient', fail_times: 2 });
    const job = await jobEnded(jobId);
    expect(job.status).toBe('finished');
    expect(job.result).toMatchObject({ succeeded_on_attempt: 3 });
    expect((await history(jobId)).filter((e) => e.event_type === 'task_retry')).toHaveLength(2);
  });

  it('quarantines the job when TransientError outlasts max_attempts and the state has no failure transition', async () => {
    await startWorker(EXAMPLES);
    const job = await jobEnded(await createJob('sdk_fail', { code: 'transient' }));
    expect(job.status).toBe('quarantined');
  });

  it('quarantines the job on a PermanentError when the state has no failure transition', async () => {
    await startWorker(EXAMPLES);
    const job = await jobEnded(await createJob('sdk_fail', { code: 'permanent' }));
    expect(job.status).toBe('quarantined');
    expect(job.error?.code).toBe('PERMANENT_ERROR');
  });

  it('takes the failure transition on a PermanentError when the state has one', async () => {
    await startWorker(EXAMPLES);
    const job = await jobEnded(await createJob('sdk_fail_routed', { code: 'permanent' }));
    expect(job.status).toBe('finished');
    expect(job.result).toEqual({ recovered: true });
  });

  it('fails the job at once on an InvalidInputError', async () => {
    await startWorker(EXAMPLES);
    const jobId = await createJob('sdk_fail', { code: 'invalid_input' });
    const job = await jobEnded(jobId);
    expect(job.status).toBe('failed');
    expect(job.error?.code).toBe('INVALID_INPUT_ERROR');
    expect((await history(jobId)).filter((e) => e.event_type === 'task_retry')).toHaveLength(0);
  });

  it('shows progress reported over the socket on the job', async () => {
    await startWorker(EXAMPLES);
    const jobId = await createJob('sdk_sleep', { ms: 3000 });
    const job = await waitFor('progress on the job', async () => {
      const current = await getJob(jobId);
      return current.progress?.progress ? current : undefined;
    });
    expect(job.progress?.progress).toBeGreaterThan(0);
    expect(job.progress?.message).toMatch(/^slept \d+ of 3000 ms$/);
  });

  it('fires the task signal on a cancel sent over the WebSocket, in under 100 ms', async () => {
    const { seen, handler } = watchedSleep();
    await startWorker({ 'sdk.sleep': handler });
    const latencies: number[] = [];
    for (let round = 0; round < 10; round += 1) {
      seen.started = 0;
      seen.abortedAt = 0;
      const jobId = await createJob('sdk_sleep', { ms: 30_000 });
      await waitFor('the handler running', () => seen.started > 0);
      // The socket is up once a progress event got through (the first comes after 1 s).
      if (round === 0) await waitFor('the socket up', async () => (await getJob(jobId)).progress !== null);
      const sent = performance.now();
      const reply = await cancelJob(jobId);
      expect(reply.body).toEqual({ status: 'cancellation_request_sent' });
      await waitFor('the abort', () => seen.abortedAt > 0, 2000);
      latencies.push(seen.abortedAt - sent);
      expect(seen.reason).toBeInstanceOf(TaskAbortedError);
      expect(seen.reason).toMatchObject({ why: 'cancelled' });
      expect((await getJob(jobId)).status).toBe('cancelled');
    }
    latencies.sort((a, b) => a - b);
    const median = latencies[Math.floor(latencies.length / 2)]!;
    console.log(`cancel over the socket, ms (sorted): ${latencies.map((ms) => ms.toFixed(1)).join(' ')}; median ${median.toFixed(1)}`);
    expect(median).toBeLessThan(100);
  });

  it('fires the task signal on a cancel listed in a heartbeat reply when there is no socket', async () => {
    const { seen, handler } = watchedSleep();
    await startWorker({ 'sdk.sleep': handler }, { websocket: false, heartbeatInterval: 200 });
    const jobId = await createJob('sdk_sleep', { ms: 30_000 });
    await waitFor('the handler running', () => seen.started > 0);
    const reply = await cancelJob(jobId);
    expect(reply.body).toEqual({ status: 'cancellation_request_accepted' });
    await waitFor('the abort', () => seen.abortedAt > 0, 2000);
    expect(seen.reason).toBeInstanceOf(TaskAbortedError);
      expect(seen.reason).toMatchObject({ why: 'cancelled' });
  });

  it('drops a result answered 409 (cancelled meanwhile, nobody told) and goes on with the next task', async () => {
    let release: () => void = () => undefined;
    let calls = 0;
    const stubborn: TaskHandler = async () => {
      calls += 1;
      if (calls === 1) await new Promise<void>((resolve) => (release = resolve));
      return { data: { call: calls } };
    };
    // No socket and heartbeats too rare to hear of the cancel: only the 409 tells the worker.
    await startWorker({ 'sdk.echo': stubborn }, { websocket: false, heartbeatInterval: 60_000 });
    const first = await createJob('sdk_echo', {});
    await waitFor('the first task running', () => calls === 1);
    await cancelJob(first);
    release();
    const second = await jobEnded(await createJob('sdk_echo', {}));
    expect(second.status).toBe('finished');
    expect((await getJob(first)).status).toBe('cancelled');
  });

  it('keeps going through a server restart: re-registers and takes the next job', async () => {
    const worker = await startWorker(EXAMPLES);
    const port = server.running.port;
    await server.close();
    await new Promise((resolve) => setTimeout(resolve, 500));
    server = await startServer(port);
    await waitFor('the worker registered again', async () => (await listWorkers()).some((w) => w.worker_id === worker.workerId), 10_000);
    const job = await jobEnded(await createJob('sdk_echo', { message: 'after restart' }));
    expect(job.status).toBe('finished');
    expect(job.result).toMatchObject({ message: 'after restart' });
  });

  it('stop() lets a running task finish and post its result', async () => {
    const { seen, handler } = watchedSleep();
    const worker = await startWorker({ 'sdk.sleep': handler });
    const jobId = await createJob('sdk_sleep', { ms: 800 });
    await waitFor('the handler running', () => seen.started > 0);
    await worker.stop();
    expect(seen.abortedAt).toBe(0);
    expect((await getJob(jobId)).status).toBe('finished');
  });
});

describe.skipIf(!hasTool('redis-server'))('the SDK across a restart of a server with the Redis store', () => {
  let redis: RedisServer;

  beforeAll(async () => {
    redis = await startRedisServer();
  });

  afterAll(async () => {
    await redis.stop();
  });

  it('posts the result of a task that finished while the server was down once it is back, and the job finishes', async () => {
    const redisServer = (port = 0): Promise<TestServer> =>
      startTestServer({ blueprintsDir: SDK_BLUEPRINTS, env: { PORT: String(port), REDIS_URL: redis.url, WORKER_POLL_TIMEOUT: '5s' } });
    // The outer beforeEach started a memory server; this test needs its own.
    await server.close();
    server = await redisServer();
    const { seen, handler } = watchedSleep();
    await startWorker({ 'sdk.sleep': handler });
    const jobId = await createJob('sdk_sleep', { ms: 1500 });
    await waitFor('the handler running', () => seen.started > 0);
    const port = server.running.port;
    await server.close();
    // The handler ends while nothing listens; its result is retried with backoff.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    server = await redisServer(port);
    const job = await jobEnded(jobId);
    expect(job.status).toBe('finished');
    expect(job.result).toMatchObject({ slept_ms: 1500 });
    expect(seen.abortedAt).toBe(0);
  });
});
