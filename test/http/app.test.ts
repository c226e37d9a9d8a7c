/**
 * The HTTP layer on its own (a fake engine behind it): auth, bodies, schemas, error mapping, 404/405,
 * worker-id checks, result forms, long-poll plumbing. The end-to-end suite covers the same routes
 * against the real engine.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadBlueprintSources } from '../../src/blueprint/index.js';
import { loadConfig, type Env } from '../../src/config.js';
import type { Engine, TaskView } from '../../src/engine/api.js';
import { ConflictError, NotFoundError } from '../../src/errors.js';
import { createApp, type SwitchyardApp } from '../../src/http/app.js';
import { fakeEngine, type FakeEngine } from '../support/fake-engine.js';

const CLIENT = 'client-token-0123456789';
const WORKER = 'worker-token-0123456789';
const GPU_WORKER = 'gpu-worker-token-0123456789';

const HELLO = `name: hello
input:
  type: object
  required: [message]
  properties:
    message: { type: string }
start: say
states:
  say:
    type: task
    task: echo
    transitions: { success: done }
  done:
    type: end
`;

function blueprints() {
  const { blueprints: loaded, diagnostics } = loadBlueprintSources([{ file: 'hello.yaml', text: HELLO }]);
  expect(diagnostics).toEqual([]);
  return loaded;
}

interface Running {
  url: string;
  app: SwitchyardApp;
  engine: FakeEngine;
  server: Server;
}

const running: Running[] = [];

async function start(overrides: Partial<Engine> = {}, env: Env = {}): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-app-'));
  writeFileSync(join(dir, 'workers.yaml'), `- worker_id: gpu-*\n  token: ${GPU_WORKER}\n`);
  const config = loadConfig({ CLIENT_TOKEN: CLIENT, GLOBAL_WORKER_TOKEN: WORKER, WORKERS_CONFIG: join(dir, 'workers.yaml'), MAX_BODY: '2kb', ...env });
  const engine = fakeEngine(overrides, blueprints());
  const app = createApp({ engine, config });
  const server = createServer(app.callback());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const entry = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, app, engine, server };
  running.push(entry);
  return entry;
}

afterEach(async () => {
  for (const entry of running.splice(0)) {
    entry.app.drain();
    await entry.app.sockets.close();
    const closed = new Promise((resolve) => entry.server.close(resolve));
    entry.server.closeAllConnections();
    await closed;
  }
});

const json = (token: Record<string, string>, body: unknown, method = 'POST'): RequestInit => ({
  method,
  headers: { 'content-type': 'application/json', ...token },
  body: JSON.stringify(body),
});

describe('routing', () => {
  it('answers 404 JSON for an unknown route', async () => {
    const { url } = await start();
    const response = await fetch(`${url}/nope`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'ROUTE_NOT_FOUND', error: expect.stringContaining('/nope') });
  });

  it('marks API replies as not cacheable and not sniffable', async () => {
    const { url } = await start();
    const response = await fetch(`${url}/api/v1/nothing`, { headers: { 'x-client-token': CLIENT } });
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('answers 405 with Allow for a wrong method on a known path', async () => {
    const { url } = await start();
    const response = await fetch(`${url}/_public/status`, { method: 'DELETE' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toContain('GET');
    expect(await response.json()).toMatchObject({ code: 'METHOD_NOT_ALLOWED' });
  });

  it('answers 404 naming the endpoints for a POST to no blueprint endpoint', async () => {
    const { url } = await start();
    const response = await fetch(`${url}/api/v1/jobs/unknown`, json({ 'x-client-token': CLIENT }, {}));
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'ENDPOINT_NOT_FOUND', details: { endpoints: ['/api/v1/jobs/hello'] } });
  });

  it('asks for the token before saying that a path under /api or /_worker does not exist', async () => {
    const { url } = await start();
    expect((await fetch(`${url}/api/v2/secret`)).status).toBe(401);
    expect((await fetch(`${url}/_worker/secret`, { method: 'DELETE' })).status).toBe(401);
    expect((await fetch(`${url}/api/v2/secret`, { headers: { 'x-client-token': CLIENT } })).status).toBe(404);
    expect((await fetch(`${url}/_worker/secret`, { method: 'DELETE', headers: { 'x-worker-token': WORKER } })).status).toBe(404);
    expect((await fetch(`${url}/api/v1/dashboard`, { method: 'DELETE', headers: { 'x-client-token': CLIENT } })).status).toBe(405);
  });

  it('hides the debug flush unless ENABLE_DEBUG_ENDPOINTS is true', async () => {
    const { url } = await start({ flush: async () => undefined });
    expect((await fetch(`${url}/_public/debug/flush_db`, { method: 'POST' })).status).toBe(404);
    const enabled = await start({ flush: async () => undefined }, { ENABLE_DEBUG_ENDPOINTS: 'true' });
    const response = await fetch(`${enabled.url}/_public/debug/flush_db`, { method: 'POST' });
    expect(await response.json()).toEqual({ status: 'db_flushed' });
    expect(enabled.engine.calls.map((call) => call.method)).toContain('flush');
  });
});

describe('auth', () => {
  it('rejects a client route without a token, with a wrong token, and with a worker token', async () => {
    const { url } = await start();
    for (const headers of [{}, { 'x-client-token': 'wrong-token-0123456789' }, { 'x-client-token': WORKER }] as Record<string, string>[]) {
      const response = await fetch(`${url}/api/v1/workers`, { headers });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ code: 'UNAUTHORIZED' });
    }
  });

  it('rejects a worker route without a token, with a wrong token, and with a client token', async () => {
    const { url } = await start();
    for (const headers of [{}, { 'x-worker-token': 'wrong-token-0123456789' }, { 'x-worker-token': CLIENT }] as Record<string, string>[]) {
      const response = await fetch(`${url}/_worker/workers/w1/tasks/next?timeout=0`, { headers });
      expect(response.status).toBe(401);
    }
  });

  it('lets an individual worker token act only for its worker id pattern', async () => {
    const { url, engine } = await start({ registerWorker: async () => undefined });
    const ok = await fetch(`${url}/_worker/workers/register`, json({ 'x-worker-token': GPU_WORKER }, { worker_id: 'gpu-1', supported_tasks: ['echo'] }));
    expect(ok.status).toBe(200);
    const other = await fetch(`${url}/_worker/workers/register`, json({ 'x-worker-token': GPU_WORKER }, { worker_id: 'cpu-1', supported_tasks: ['echo'] }));
    expect(other.status).toBe(403);
    expect(await other.json()).toMatchObject({ code: 'FORBIDDEN' });
    expect(engine.calls.filter((call) => call.method === 'registerWorker')).toHaveLength(1);
  });

  it('never echoes a token in an error reply', async () => {
    const { url } = await start();
    const response = await fetch(`${url}/api/v1/workers`, { headers: { 'x-client-token': 'secret-guess-0123456789' } });
    expect(await response.text()).not.toContain('secret-guess');
  });
});

describe('bodies', () => {
  it('answers 415 for a body that is not JSON', async () => {
    const { url } = await start();
    const response = await fetch(`${url}/api/v1/jobs/hello`, { method: 'POST', headers: { 'x-client-token': CLIENT, 'content-type': 'text/plain' }, body: 'hi' });
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', error: expect.stringContaining('text/plain') });
  });

  it('answers 400 naming the parse problem for bad JSON', async () => {
    const { url } = await start();
    const response = await fetch(`${url}/api/v1/jobs/hello`, { method: 'POST', headers: { 'x-client-token': CLIENT, 'content-type': 'application/json' }, body: '{"initial_data": ' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'INVALID_JSON', error: expect.stringMatching(/not valid JSON: .+/) });
  });

  it('answers 400 for a body that its Content-Encoding cannot decode', async () => {
    const { url } = await start();
    const response = await fetch(`${url}/_public/webhooks/approval/j1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: '{"decision":"approved"}',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'BAD_CONTENT_ENCODING' });
  });

  it('answers 413 for a body past MAX_BODY', async () => {
    const { url } = await start();
    const response = await fetch(`${url}/api/v1/jobs/hello`, json({ 'x-client-token': CLIENT }, { initial_data: { message: 'x'.repeat(4096) } }));
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  it('answers 400 for JSON nested deeper than the limit', async () => {
    const { url } = await start();
    const deep = `${'['.repeat(100)}${']'.repeat(100)}`;
    const response = await fetch(`${url}/_public/webhooks/approval/j1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"decision":${deep}}` });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'JSON_TOO_DEEP' });
  });

  it('lists each schema violation with its JSON path', async () => {
    const { url } = await start();
    const response = await fetch(`${url}/_worker/workers/register`, json({ 'x-worker-token': WORKER }, { worker_id: 'bad id!', supported_tasks: [1] }));
    expect(response.status).toBe(400);
    const body = (await response.json()) as { code: string; details: Array<{ path: string }> };
    expect(body.code).toBe('VALIDATION_ERROR');
    expect(body.details.map((d) => d.path).sort()).toEqual(['$.supported_tasks[0]', '$.worker_id']);
  });

  it('answers 400 with details for initial_data that fails the blueprint input schema', async () => {
    const { url, engine } = await start();
    const response = await fetch(`${url}/api/v1/jobs/hello`, json({ 'x-client-token': CLIENT }, { initial_data: { message: 5 } }));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'VALIDATION_ERROR', details: [{ path: expect.stringContaining('message') }] });
    expect(engine.calls).toEqual([]);
  });

  it('answers 400 for a body that is not a JSON object', async () => {
    const { url } = await start();
    const response = await fetch(`${url}/api/v1/jobs/hello`, json({ 'x-client-token': CLIENT }, [1, 2]));
    expect(response.status).toBe(400);
  });

  it('answers 400 for a webhook_url that is not http(s)', async () => {
    const { url } = await start();
    for (const webhook of ['ftp://example.com/x', 'not a url', 'http://user:pw@example.com/']) {
      const response = await fetch(`${url}/api/v1/jobs/hello`, json({ 'x-client-token': CLIENT }, { initial_data: { message: 'hi' }, webhook_url: webhook }));
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ code: 'INVALID_WEBHOOK_URL' });
    }
  });
});

describe('error mapping', () => {
  it('turns a typed engine error into its status and code', async () => {
    const { url } = await start({ getJob: async () => Promise.reject(new NotFoundError('job "x" not found')) });
    const response = await fetch(`${url}/api/v1/jobs/x`, { headers: { 'x-client-token': CLIENT } });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'job "x" not found', code: 'NOT_FOUND' });
  });

  it('answers an unknown error with a bare 500 that shows nothing of it', async () => {
    const { url } = await start({ dashboard: async () => Promise.reject(new Error('secret internals')) });
    const response = await fetch(`${url}/api/v1/dashboard`, { headers: { 'x-client-token': CLIENT } });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: 'internal error', code: 'INTERNAL_ERROR' });
  });
});

describe('client routes', () => {
  it('creates a job with the caller as client and the Idempotency-Key', async () => {
    const { url, engine } = await start({ createJob: async () => ({ job_id: 'j1', created: true }) });
    const response = await fetch(`${url}/api/v1/jobs/hello`, {
      ...json({ 'x-client-token': CLIENT }, { initial_data: { message: 'hi' } }),
      headers: { 'content-type': 'application/json', 'x-client-token': CLIENT, 'idempotency-key': 'k-1' },
    });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ status: 'accepted', job_id: 'j1' });
    expect(engine.calls[0]!.args[0]).toEqual({ blueprint: 'hello', initial_data: { message: 'hi' }, client_id: 'default', idempotency_key: 'k-1' });
  });

  it('rejects a bad query parameter with 400 naming it', async () => {
    const { url } = await start();
    for (const query of ['status=nope', 'limit=0', 'limit=abc', 'status=finished&status=failed']) {
      const response = await fetch(`${url}/api/v1/jobs?${query}`, { headers: { 'x-client-token': CLIENT } });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toMatch(/"(status|limit)"/);
    }
  });

  it('maps cancel to sent or accepted by whether a worker was told', async () => {
    let told = true;
    const { url } = await start({ cancelJob: async () => ({ notified_worker: told }) });
    const first = await fetch(`${url}/api/v1/jobs/j1/cancel`, { method: 'POST', headers: { 'x-client-token': CLIENT } });
    expect(await first.json()).toEqual({ status: 'cancellation_request_sent' });
    told = false;
    const second = await fetch(`${url}/api/v1/jobs/j1/cancel`, { method: 'POST', headers: { 'x-client-token': CLIENT } });
    expect(await second.json()).toEqual({ status: 'cancellation_request_accepted' });
  });
});

describe('worker routes', () => {
  it('accepts the nested and the flat result forms as the same input', async () => {
    const { url, engine } = await start({ submitResult: async () => 'result_accepted_success' });
    const headers = { 'x-worker-token': WORKER };
    await fetch(`${url}/_worker/tasks/result`, json(headers, { job_id: 'j', task_id: 't', worker_id: 'w', result: { status: 'success', data: { a: 1 }, error: null } }));
    await fetch(`${url}/_worker/tasks/result`, json(headers, { job_id: 'j', task_id: 't', worker_id: 'w', status: 'success', data: { a: 1 } }));
    const inputs = engine.calls.map((call) => call.args[0]);
    expect(inputs[0]).toEqual({ job_id: 'j', task_id: 't', worker_id: 'w', status: 'success', data: { a: 1 } });
    expect(inputs[1]).toEqual(inputs[0]);
  });

  it('passes engine conflicts on results through as 409', async () => {
    const { url } = await start({ submitResult: async () => Promise.reject(new ConflictError('task t is not current', undefined, 'STALE_TASK')) });
    const response = await fetch(`${url}/_worker/tasks/result`, json({ 'x-worker-token': WORKER }, { job_id: 'j', task_id: 't', worker_id: 'w' }));
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ code: 'STALE_TASK' });
  });

  it('answers an empty heartbeat of an unknown worker with 404, and re-registers one that sends supported_tasks', async () => {
    let registered = false;
    const worker = { worker_id: 'w1', supported_tasks: ['echo'], resources: {}, status: 'idle', current_tasks: [], last_heartbeat: 'now', registered_at: 'now' };
    const { url, engine } = await start({
      heartbeat: async () => ({ worker: registered ? worker : null, cancelled_tasks: [] }) as Awaited<ReturnType<Engine['heartbeat']>>,
      registerWorker: async () => {
        registered = true;
      },
    });
    const headers = { 'x-worker-token': WORKER };
    const empty = await fetch(`${url}/_worker/workers/w1`, { method: 'PATCH', headers });
    expect(empty.status).toBe(404);
    const withTasks = await fetch(`${url}/_worker/workers/w1`, json(headers, { supported_tasks: ['echo'], load: 0.1 }, 'PATCH'));
    expect(withTasks.status).toBe(200);
    expect(await withTasks.json()).toMatchObject({ worker_id: 'w1', cancelled_tasks: [] });
    expect(engine.calls.map((call) => call.method)).toContain('registerWorker');
    const ping = await fetch(`${url}/_worker/workers/w1`, { method: 'PATCH', headers });
    expect(await ping.json()).toEqual({ status: 'ttl_refreshed', cancelled_tasks: [] });
  });

  it('answers 400 for a heartbeat body whose worker_id differs from the path', async () => {
    const { url } = await start();
    const response = await fetch(`${url}/_worker/workers/w1`, json({ 'x-worker-token': WORKER }, { worker_id: 'w2' }, 'PATCH'));
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toContain('w2');
  });

  it('answers 404 to a JSON heartbeat of an unknown worker without supported_tasks', async () => {
    const { url, engine } = await start({ heartbeat: async () => ({ worker: null, cancelled_tasks: [] }) });
    const response = await fetch(`${url}/_worker/workers/w1`, json({ 'x-worker-token': WORKER }, { load: 0.2 }, 'PATCH'));
    expect(response.status).toBe(404);
    expect(engine.calls.map((call) => call.method)).not.toContain('registerWorker');
  });

  it('rejects a poll timeout above 60 seconds', async () => {
    const { url } = await start();
    const response = await fetch(`${url}/_worker/workers/w1/tasks/next?timeout=61`, { headers: { 'x-worker-token': WORKER } });
    expect(response.status).toBe(400);
  });

  it('aborts the engine wait when the polling client goes away', async () => {
    let signal: AbortSignal | undefined;
    const { url } = await start({
      nextTask: (_id, options) =>
        new Promise<TaskView | null>((resolve) => {
          signal = options.signal;
          options.signal.addEventListener('abort', () => resolve(null));
        }),
    });
    const client = new AbortController();
    const poll = fetch(`${url}/_worker/workers/w1/tasks/next`, { headers: { 'x-worker-token': WORKER }, signal: client.signal }).catch(() => undefined);
    await expect.poll(() => signal).toBeDefined();
    client.abort();
    await poll;
    await expect.poll(() => signal!.aborted).toBe(true);
  });

  it('gives a task back to the engine when its poll was aborted before the engine answered', async () => {
    const task = { job_id: 'j1', task_id: 't1' } as TaskView;
    let signal: AbortSignal | undefined;
    const { url, engine } = await start({
      // An engine whose claim was already in flight: it answers with a task after the abort.
      nextTask: (_id, options) =>
        new Promise<TaskView | null>((resolve) => {
          signal = options.signal;
          options.signal.addEventListener('abort', () => setTimeout(() => resolve(task), 10));
        }),
      returnTask: async () => true,
    });
    const client = new AbortController();
    const poll = fetch(`${url}/_worker/workers/w1/tasks/next`, { headers: { 'x-worker-token': WORKER }, signal: client.signal }).catch(() => undefined);
    await expect.poll(() => signal).toBeDefined();
    client.abort();
    await poll;
    await expect.poll(() => engine.calls.filter((call) => call.method === 'returnTask').map((call) => call.args)).toEqual([['w1', task]]);
  });

  it('answers waiting polls with 204 when the app drains', async () => {
    const { url, app } = await start({
      nextTask: (_id, options) => new Promise<TaskView | null>((resolve) => options.signal.addEventListener('abort', () => resolve(null))),
    });
    const poll = fetch(`${url}/_worker/workers/w1/tasks/next`, { headers: { 'x-worker-token': WORKER } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    app.drain();
    expect((await poll).status).toBe(204);
  });
});
