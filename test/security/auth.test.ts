/**
 * Who may do what: every /api and /_worker route refuses missing, wrong and other parties' tokens;
 * tokens are kept hashed, compared in constant time, never logged or returned; individual worker
 * tokens act only as their own worker ids (HTTP and WebSocket); clients see only their own jobs; the
 * approval webhook takes only an offered decision, and only once, while the job waits.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { Writable } from 'node:stream';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createAuthenticator } from '../../src/http/auth.js';
import { routesOf } from '../../src/http/openapi.js';
import { createLogger } from '../../src/observability/logger.js';
import { HttpWorker } from '../support/http-worker.js';
import { httpClient, startTestServer, type HttpClient, type TestServer } from '../support/server.js';
import { SEC_BLUEPRINTS } from './support.js';

const ALICE = 'alice-token-0123456789abcdefABCDEF';
const BOB = 'bob-token-0123456789abcdefABCDEFxx';
const GPU_WORKERS = 'gpu-workers-token-0123456789abcdef';
const CPU_WORKERS = 'cpu-workers-token-0123456789abcdef';
const WRONG = 'wrong-token-0123456789abcdefABCDEF';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-auth-'));
writeFileSync(join(dir, 'clients.yaml'), `- name: alice\n  token: ${ALICE}\n- name: bob\n  token: ${BOB}\n`);
writeFileSync(join(dir, 'workers.yaml'), `- worker_id: gpu-*\n  token: ${GPU_WORKERS}\n- worker_id: cpu-*\n  token: ${CPU_WORKERS}\n`);
const ENV = { CLIENTS_CONFIG: join(dir, 'clients.yaml'), WORKERS_CONFIG: join(dir, 'workers.yaml') };

let server: TestServer;
const logLines: string[] = [];
let alice: HttpClient;
let bob: HttpClient;

beforeAll(async () => {
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString('utf8'));
      done();
    },
  });
  server = await startTestServer({
    blueprintsDir: SEC_BLUEPRINTS,
    env: { ...ENV, LOG_LEVEL: 'trace' },
    start: { logger: createLogger({ level: 'trace', pretty: false, destination }) },
  });
  alice = httpClient(server.url, { 'x-client-token': ALICE });
  bob = httpClient(server.url, { 'x-client-token': BOB });
});
afterAll(() => server.close());

const ALL_TOKENS = () => [server.clientToken, server.workerToken, ALICE, BOB, GPU_WORKERS, CPU_WORKERS, WRONG];

function concrete(path: string): string {
  return path.replace(/:[a-z_]+/g, 'some-id');
}

describe('tokens at every protected route', () => {
  const protectedRoutes = () => routesOf(...server.running.app.routers).filter((r) => r.path.startsWith('/api') || r.path.startsWith('/_worker'));

  it('refuses every /api and /_worker route without a token, with a wrong one, and with the other side\'s', async () => {
    const routes = protectedRoutes();
    expect(routes.length).toBeGreaterThanOrEqual(15);
    for (const { method, path } of routes) {
      const client = path.startsWith('/api');
      const headerName = client ? 'x-client-token' : 'x-worker-token';
      const otherSide: Record<string, string> = client ? { 'x-worker-token': server.workerToken } : { 'x-client-token': server.clientToken };
      const variants: Record<string, string>[] = [{}, { [headerName]: WRONG }, otherSide, { [headerName]: '' }];
      for (const headers of variants) {
        const response = await fetch(server.url + concrete(path), {
          method,
          headers: { 'content-type': 'application/json', ...headers },
          ...(method === 'GET' ? {} : { body: '{}' }),
        });
        const text = await response.text();
        expect(response.status, `${method} ${path} with ${JSON.stringify(headers)}: ${text}`).toBe(401);
        expect(JSON.parse(text)).toMatchObject({ code: 'UNAUTHORIZED' });
        expect(text).toMatch(/X-(Client|Worker)-Token/);
        expect(text).not.toContain(WRONG);
      }
    }
  });

  it('refuses a WebSocket without a token, with a wrong one, and with a client token', async () => {
    const variants: Record<string, string>[] = [{}, { 'x-worker-token': WRONG }, { 'x-worker-token': server.clientToken }];
    for (const headers of variants) {
      expect(await wsStatus('any-worker', headers)).toBe(401);
    }
  });
});

function wsStatus(workerId: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/_worker/ws/${workerId}`, { headers });
    socket.on('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.on('open', () => {
      resolve(101);
      socket.close();
    });
    socket.on('error', (error) => {
      if (!String(error).includes('Unexpected server response')) reject(error);
    });
  });
}

describe('tokens at rest', () => {
  it('keeps only sha256 hashes of configured tokens: no plain token anywhere in the configuration', () => {
    const config = loadConfig({ CLIENT_TOKEN: server.clientToken, GLOBAL_WORKER_TOKEN: server.workerToken, ...ENV });
    const dump = inspect(config, { depth: null, maxArrayLength: null, maxStringLength: null }) + JSON.stringify(config);
    for (const token of ALL_TOKENS()) expect(dump).not.toContain(token);
    expect(config.generatedTokens).toEqual({});
    const sha = (t: string) => createHash('sha256').update(t).digest();
    expect(config.clients.map((c) => [c.name, c.tokenHash.equals(sha(c.name === 'alice' ? ALICE : c.name === 'bob' ? BOB : server.clientToken))])).toEqual([
      ['default', true],
      ['alice', true],
      ['bob', true],
    ]);
    expect(config.globalWorkerTokenHash.equals(sha(server.workerToken))).toBe(true);
  });

  it('compares tokens with timingSafeEqual on equal-length hashes, so length and prefix say nothing', () => {
    const source = readFileSync(fileURLToPath(new URL('../../src/http/auth.ts', import.meta.url)), 'utf8');
    expect(source).toMatch(/import \{[^}]*timingSafeEqual[^}]*\} from 'node:crypto'/);
    expect(source).toMatch(/hashToken\(token\)/);
    // No direct comparison of a presented token with anything (beyond "is it empty").
    expect(source.replaceAll("token === ''", '')).not.toMatch(/token\s*===|===\s*token|token\s*==[^=]|\.startsWith\(/);
    const auth = createAuthenticator(loadConfig({ CLIENT_TOKEN: server.clientToken, GLOBAL_WORKER_TOKEN: server.workerToken, ...ENV }));
    // Any length is hashed first: a 1-char, a near-miss and a 10,000-char token are refused alike, without throwing.
    for (const token of ['x', ALICE.slice(0, -1), ALICE + 'x', 'a'.repeat(10_000)]) expect(auth.client(token)).toBeUndefined();
    expect(auth.client(ALICE)).toEqual({ id: 'alice' });
  });

  it('never writes a token to the logs, at trace level, whether the request was allowed or refused', async () => {
    await alice.get('/api/v1/jobs');
    await httpClient(server.url, { 'x-client-token': WRONG }).get('/api/v1/jobs');
    await new HttpWorker(server, 'gpu-log', ['sec.echo'], {}, GPU_WORKERS).register();
    await new HttpWorker(server, 'cpu-log', ['sec.echo'], {}, GPU_WORKERS).register();
    const text = logLines.join('');
    expect(text.length).toBeGreaterThan(500);
    for (const token of ALL_TOKENS()) expect(text).not.toContain(token);
  });

  it('returns no token in any reply: jobs, history, lists, workers, dashboard, graphs, docs, metrics', async () => {
    const worker = new HttpWorker(server, 'gpu-1', ['sec.echo'], {}, GPU_WORKERS);
    await worker.register();
    const jobId = (await alice.post<{ job_id: string }>('/api/v1/jobs/sec_echo', { initial_data: { message: 'hi' } })).body.job_id;
    const task = await worker.take();
    await worker.succeed(task, { ok: true });
    await server.waitForJob(jobId, undefined, 5000).catch(() => undefined);
    const paths = routesOf(...server.running.app.routers)
      .filter((r) => r.method === 'GET' && !r.path.includes('tasks/next'))
      .map((r) => r.path.replace(':job_id', jobId).replace(':blueprint_name', 'sec_echo').replace(':worker_id', 'gpu-1').replace(/:[a-z_]+/g, 'x'));
    let bytes = 0;
    for (const path of paths) {
      const variants: Record<string, string>[] = [{ 'x-client-token': ALICE }, { 'x-worker-token': GPU_WORKERS }];
      for (const headers of variants) {
        const text = await (await fetch(server.url + path, { headers })).text();
        bytes += text.length;
        for (const token of ALL_TOKENS()) expect(text, `${path} contains a token`).not.toContain(token);
      }
    }
    expect(bytes).toBeGreaterThan(10_000);
  });
});

describe('workers act only as themselves', () => {
  it('lets an individual token register, heartbeat, poll and post results only for ids its pattern matches', async () => {
    const gpu = new HttpWorker(server, 'gpu-7', ['sec.echo'], {}, GPU_WORKERS);
    const impostor = httpClient(server.url, { 'x-worker-token': CPU_WORKERS });
    expect((await gpu.register()).status).toBe(200);
    expect((await impostor.post('/_worker/workers/register', { worker_id: 'gpu-7', supported_tasks: ['sec.echo'] })).status).toBe(403);
    expect((await impostor.patch('/_worker/workers/gpu-7', undefined)).status).toBe(403);
    expect((await impostor.patch('/_worker/workers/gpu-7', { supported_tasks: ['x'] })).status).toBe(403);
    expect((await impostor.get('/_worker/workers/gpu-7/tasks/next?timeout=0')).status).toBe(403);
    const jobId = await server.createJob('sec_echo', { message: 'mine' });
    const task = await gpu.take();
    const forged = await impostor.post('/_worker/tasks/result', { job_id: jobId, task_id: task.task_id, worker_id: 'gpu-7', result: { status: 'success', data: { forged: true } } });
    expect(forged.status).toBe(403);
    // Under its own (allowed) id, the impostor does not hold the task either.
    const stolen = await impostor.post('/_worker/tasks/result', { job_id: jobId, task_id: task.task_id, worker_id: 'cpu-1', result: { status: 'success', data: { forged: true } } });
    expect(stolen.status).toBe(403);
    expect((await gpu.succeed(task, { real: true })).status).toBe(200);
    expect((await server.waitForJob(jobId)).result).toEqual({ real: true });
  });

  it('refuses a WebSocket for a worker id the token does not cover, and a progress update for a task the worker does not hold', async () => {
    expect(await wsStatus('gpu-9', { 'x-worker-token': CPU_WORKERS })).toBe(403);
    expect(await wsStatus('cpu-9', { 'x-worker-token': CPU_WORKERS })).toBe(101);
    const gpu = new HttpWorker(server, 'gpu-8', ['sec.echo'], {}, GPU_WORKERS);
    await gpu.register();
    const jobId = await server.createJob('sec_echo', { message: 'progress' });
    const task = await gpu.take();
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/_worker/ws/cpu-9`, { headers: { 'x-worker-token': CPU_WORKERS } });
    await new Promise((resolve) => socket.once('open', resolve));
    const reply = new Promise<Record<string, unknown>>((resolve) => socket.once('message', (data) => resolve(JSON.parse(String(data)) as Record<string, unknown>)));
    socket.send(JSON.stringify({ event: 'progress_update', job_id: jobId, task_id: task.task_id, progress: 50, message: 'forged' }));
    expect(await reply).toMatchObject({ event: 'error', code: 'FORBIDDEN' });
    socket.close();
    const history = (await server.client.get<{ event_type: string }[]>(`/api/v1/jobs/${jobId}/history`)).body;
    expect(history.some((e) => e.event_type === 'progress_update')).toBe(false);
    await gpu.succeed(task);
  });
});

describe('clients see only their own jobs', () => {
  it('answers 404 to another client reading, cancelling, listing the history of, or drawing a job, and leaves it out of lists', async () => {
    const jobId = (await alice.post<{ job_id: string }>('/api/v1/jobs/sec_approval', {})).body.job_id;
    expect((await alice.get(`/api/v1/jobs/${jobId}`)).status).toBe(200);
    expect((await bob.get(`/api/v1/jobs/${jobId}`)).status).toBe(404);
    expect((await bob.get(`/api/v1/jobs/${jobId}/history`)).status).toBe(404);
    expect((await bob.get(`/api/v1/blueprints/sec_approval/graph?job_id=${jobId}`)).status).toBe(404);
    expect((await bob.post(`/api/v1/jobs/${jobId}/cancel`)).status).toBe(404);
    expect((await server.client.get(`/api/v1/jobs/${jobId}`)).status).toBe(404);
    const bobList = (await bob.get<{ jobs: { job_id: string }[] }>('/api/v1/jobs?limit=500')).body;
    expect(JSON.stringify(bobList)).not.toContain(jobId);
    expect(JSON.stringify((await alice.get('/api/v1/jobs?limit=500')).body)).toContain(jobId);
    // The job is untouched by Bob's cancel.
    expect((await alice.get<{ status: string }>(`/api/v1/jobs/${jobId}`)).body.status).toBe('waiting_for_human');
  });
});

describe('idempotency keys', () => {
  it('are scoped per client: the same key from another client creates its own job, not a view of the first', async () => {
    const headers = { 'idempotency-key': 'shared-key-1' };
    const first = await alice.post<{ job_id: string }>('/api/v1/jobs/sec_approval', {}, headers);
    const again = await alice.post<{ job_id: string }>('/api/v1/jobs/sec_approval', {}, headers);
    const other = await bob.post<{ job_id: string }>('/api/v1/jobs/sec_approval', {}, headers);
    expect(again.body.job_id).toBe(first.body.job_id);
    expect(other.status).toBe(202);
    expect(other.body.job_id).not.toBe(first.body.job_id);
    expect((await bob.get(`/api/v1/jobs/${first.body.job_id}`)).status).toBe(404);
  });
});

describe('the approval webhook', () => {
  const approve = (jobId: string, decision: unknown) => httpClient(server.url, {}).post(`/_public/webhooks/approval/${jobId}`, { decision });

  it('takes only a decision the waiting state offers, naming the allowed ones', async () => {
    const jobId = await server.createJob('sec_approval');
    const reply = await approve(jobId, 'shipped');
    expect(reply.status).toBe(400);
    expect(JSON.stringify(reply.body)).toMatch(/approved.*rejected/);
    for (const bad of [null, 42, '', ['approved'], { decision: 'approved' }]) expect((await approve(jobId, bad)).status).toBe(400);
    expect((await server.getJob(jobId)).status).toBe('waiting_for_human');
  });

  it('takes one decision only while the job waits: of two racing decisions exactly one wins, later ones get 409', async () => {
    const jobId = await server.createJob('sec_approval');
    const replies = await Promise.all([approve(jobId, 'approved'), approve(jobId, 'rejected'), approve(jobId, 'approved')]);
    expect(replies.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    const job = await server.waitForJob(jobId);
    const winner = replies.findIndex((r) => r.status === 200);
    expect(job.status).toBe(winner === 1 ? 'failed' : 'finished');
    expect((await approve(jobId, 'approved')).status).toBe(409);
    const decided = (await server.client.get<{ event_type: string }[]>(`/api/v1/jobs/${jobId}/history`)).body.filter((e) => e.event_type === 'approval_decided');
    expect(decided).toHaveLength(1);
  });

  it('answers 409 to a decision for a job that is not at an approval state', async () => {
    const jobId = await server.createJob('sec_echo', { message: 'busy' });
    const reply = await approve(jobId, 'approved');
    expect(reply.status).toBe(409);
    expect(reply.body).toMatchObject({ code: 'NOT_WAITING_FOR_DECISION' });
  });
});
