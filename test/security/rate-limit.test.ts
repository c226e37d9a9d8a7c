/**
 * Rate limits (RATE_LIMIT_CLIENT per client, RATE_LIMIT_WORKER per worker id): 429 with Retry-After
 * past the rate, every protected route counted, and one abusive party cannot starve another.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimitedError } from '../../src/errors.js';
import { routesOf } from '../../src/http/openapi.js';
import { createRateLimiter } from '../../src/http/rate-limit.js';
import { HttpWorker } from '../support/http-worker.js';
import { httpClient, startTestServer, type TestServer } from '../support/server.js';
import { SEC_BLUEPRINTS, sleep } from './support.js';

describe('the token bucket', () => {
  it('allows a burst of one second of requests, then refuses with the seconds until the next one', () => {
    let now = 0;
    const limiter = createRateLimiter(4, 'client', () => now);
    for (let i = 0; i < 4; i++) limiter.take('a');
    let refused: unknown;
    try {
      limiter.take('a');
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect((refused as RateLimitedError).retryAfterSeconds).toBeCloseTo(0.25, 5);
    expect(() => limiter.take('b')).not.toThrow();
    now += 250;
    expect(() => limiter.take('a')).not.toThrow();
    expect(() => limiter.take('a')).toThrow(RateLimitedError);
  });

  it('keeps refusing a key that never stops, however long it keeps trying', () => {
    let now = 0;
    const limiter = createRateLimiter(10, 'worker', () => now);
    let allowed = 0;
    for (let i = 0; i < 10_000; i++) {
      now += 1; // 1,000 attempts a second against a rate of 10
      try {
        limiter.take('noisy');
        allowed++;
      } catch {
        // refused
      }
    }
    // 10 s of attempts: the 10-request burst plus 10 a second.
    expect(allowed).toBeGreaterThanOrEqual(100);
    expect(allowed).toBeLessThanOrEqual(111);
  });
});

const ALICE = 'alice-token-0123456789abcdefABCDEF';
const BOB = 'bob-token-0123456789abcdefABCDEFxx';

describe('rate limits on the real server', () => {
  let server: TestServer;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-rate-'));
    writeFileSync(join(dir, 'clients.yaml'), `- name: alice\n  token: ${ALICE}\n- name: bob\n  token: ${BOB}\n`);
    server = await startTestServer({
      blueprintsDir: SEC_BLUEPRINTS,
      env: { CLIENTS_CONFIG: join(dir, 'clients.yaml'), RATE_LIMIT_CLIENT: '5', RATE_LIMIT_WORKER: '5' },
    });
  });
  afterAll(() => server.close());

  it('counts every /api route against the client rate', async () => {
    const routes = routesOf(...server.running.app.routers).filter((r) => r.method === 'GET' && r.path.startsWith('/api'));
    for (const route of routes) {
      await sleep(1100); // a full bucket for each route
      const path = route.path.replace(':blueprint_name', 'sec_echo').replace(/:[a-z_]+/g, 'x');
      const statuses = await Promise.all(Array.from({ length: 15 }, () => server.client.get(path).then((r) => r.status)));
      expect(statuses.filter((s) => s === 429).length, `${route.path}: ${statuses.join(',')}`).toBeGreaterThanOrEqual(3);
    }
  }, 60_000);

  it('answers 429 with Retry-After and a message naming the limit', async () => {
    await sleep(1100);
    const replies = await Promise.all(Array.from({ length: 10 }, () => server.client.get('/api/v1/jobs')));
    const limited = replies.find((r) => r.status === 429);
    expect(limited).toBeDefined();
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited!.body).toMatchObject({ code: 'RATE_LIMITED', error: expect.stringMatching(/at most 5 per second/) });
  });

  it('does not let a flooding client starve another: every request of the polite one is served', async () => {
    await sleep(1100);
    const alice = httpClient(server.url, { 'x-client-token': ALICE });
    const bob = httpClient(server.url, { 'x-client-token': BOB });
    let flooding = true;
    const aliceStatuses: number[] = [];
    const flood = (async () => {
      while (flooding) {
        const batch = await Promise.all(Array.from({ length: 20 }, () => alice.get('/api/v1/jobs').then((r) => r.status)));
        aliceStatuses.push(...batch);
      }
    })();
    const bobStatuses: number[] = [];
    const bobLatencies: number[] = [];
    for (let i = 0; i < 8; i++) {
      const started = Date.now();
      bobStatuses.push((await bob.post('/api/v1/jobs/sec_approval', {})).status);
      bobLatencies.push(Date.now() - started);
      await sleep(250); // 4 a second: under Bob's rate of 5
    }
    flooding = false;
    await flood;
    expect(bobStatuses).toEqual(Array(8).fill(202));
    expect(aliceStatuses.filter((s) => s === 429).length).toBeGreaterThan(aliceStatuses.length * 0.5);
    expect(Math.max(...bobLatencies)).toBeLessThan(2000);
  });

  it('limits each worker id on its own: a noisy worker does not stop a calm one getting and finishing tasks', async () => {
    await sleep(1100);
    const noisy = new HttpWorker(server, 'noisy', ['sec.none']);
    const calm = new HttpWorker(server, 'calm', ['sec.echo']);
    expect((await calm.register()).status).toBe(200);
    let flooding = true;
    const noisyStatuses: number[] = [];
    const flood = (async () => {
      while (flooding) noisyStatuses.push(...(await Promise.all(Array.from({ length: 20 }, () => noisy.heartbeat({ supported_tasks: ['sec.none'] }).then((r) => r.status)))));
    })();
    await sleep(1100); // the calm worker's bucket is full again after its registration
    const jobId = await server.createJob('sec_echo', { message: 'calm' });
    const task = await calm.poll(2);
    expect(task).not.toBeNull();
    expect((await calm.succeed(task!, { done: true })).status).toBe(200);
    flooding = false;
    await flood;
    expect((await server.waitForJob(jobId)).status).toBe('finished');
    expect(noisyStatuses.filter((s) => s === 429).length).toBeGreaterThan(noisyStatuses.length * 0.5);
  });

  it('limits progress messages on a worker WebSocket by RATE_LIMIT_WORKER too', async () => {
    await sleep(1100);
    const worker = new HttpWorker(server, 'ws-flood', ['sec.echo']);
    await worker.register();
    const jobId = await server.createJob('sec_echo', { message: 'progress' });
    await sleep(1100);
    const task = await worker.take();
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/_worker/ws/ws-flood`, { headers: { 'x-worker-token': server.workerToken } });
    await new Promise((resolve) => socket.once('open', resolve));
    const errors: string[] = [];
    socket.on('message', (data) => errors.push(String((JSON.parse(String(data)) as { code?: string }).code)));
    for (let i = 0; i < 30; i++) socket.send(JSON.stringify({ event: 'progress_update', job_id: jobId, task_id: task.task_id, progress: i }));
    await sleep(500);
    socket.close();
    expect(errors.filter((code) => code === 'RATE_LIMITED').length).toBeGreaterThanOrEqual(20);
    const history = (await server.client.get<{ event_type: string }[]>(`/api/v1/jobs/${jobId}/history`)).body;
    expect(history.filter((e) => e.event_type === 'progress_update').length).toBeLessThanOrEqual(8);
    await worker.succeed(task);
  });
});
