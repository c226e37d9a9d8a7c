/**
 * Fuzzing the real server (startTestServer): random and mutated methods, paths, query strings, headers
 * and bodies at every route it serves, and malformed raw HTTP on a bare socket. The rules: never a 5xx,
 * never a crash, never a hang, and every error is JSON `{ error, code }` whose message says something.
 */
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routesOf } from '../../src/http/openapi.js';
import { HttpWorker } from '../support/http-worker.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { FUZZ, FUZZ_TEST_TIMEOUT, runFuzz } from './fuzz-settings.js';
import { nestedJson } from './support.js';

let server: TestServer;
let routes: { method: string; path: string }[] = [];
const ids = { jobs: [] as string[], tasks: [] as string[], workers: ['fz-w1'] };
const failures: string[] = [];
/** Replies by status, printed after the run: shows the fuzzer reaches past auth and validation. */
const statuses = new Map<number, number>();

beforeAll(async () => {
  server = await startTestServer({ env: { WORKER_POLL_TIMEOUT: '300ms', MAX_BODY: '64kb' } });
  routes = routesOf(...server.running.app.routers);
  // A few real ids, so that mutated requests also reach the code behind the 404s.
  ids.jobs.push(await server.createJob('echo', { message: 'hi' }), await server.createJob('approval'));
  const worker = new HttpWorker(server, 'fz-w1', ['e2e.echo']);
  await worker.register();
  const task = await worker.poll(1);
  if (task) ids.tasks.push(task.task_id);
}, 30_000);
afterAll(async () => {
  await server.close();
});

// ---------- arbitraries ----------

const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 });
const weirdSegment = fc.oneof(
  fc.string({ maxLength: 30 }).map(encodeURIComponent),
  fc.string({ unit: 'grapheme', maxLength: 10 }).map(encodeURIComponent),
  fc.constantFrom('..', '%2e%2e', '%00', '%', '%E0%A4%A', '%ff', '%C0%AF', '.', '~', '%20', ';', 'a%2Fb', '*', '$', '{job_id}', ':job_id'),
  fc.nat({ max: 5000 }).map((n) => 'x'.repeat(n)),
);
const param = fc.oneof(fc.constantFrom(...['real-job', 'real-task', 'real-worker']), weirdSegment);

function fillPath(template: string, values: string[]): string {
  let i = 0;
  return template.replace(/:([A-Za-z_]+)/g, () => {
    const value = values[i++ % Math.max(1, values.length)] ?? 'x';
    if (value === 'real-job') return ids.jobs[0] ?? 'x';
    if (value === 'real-task') return ids.tasks[0] ?? 'x';
    if (value === 'real-worker') return ids.workers[0]!;
    return value;
  });
}

const path = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.nat(), fc.array(param, { minLength: 1, maxLength: 3 })).map(([n, values]) => fillPath(routes[n % routes.length]!.path, values)) },
  { weight: 2, arbitrary: fc.tuple(fc.nat(), fc.array(weirdSegment, { minLength: 1, maxLength: 3 })).map(([n, extra]) => `${routes[n % routes.length]!.path.replace(/\/:.*$/, '')}/${extra.join('/')}`) },
  { weight: 1, arbitrary: fc.array(weirdSegment, { maxLength: 4 }).map((segments) => `/${segments.join('/')}`) },
);

const queryValue = fc.oneof(printable.map(encodeURIComponent), fc.constantFrom('-1', '0', '1e309', 'NaN', '99999999999', '0.0001', 'running', 'finished', '', '%', '%zz'));
const query = fc.oneof(
  fc.constant(''),
  fc
    .array(fc.tuple(fc.constantFrom('timeout', 'limit', 'status', 'cursor', 'blueprint', 'q', 'job_id', 'format', 'x', 'limit[]'), queryValue), { maxLength: 4 })
    .map((pairs) => `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`),
);

// Mostly the valid token (to get past auth), sometimes none or junk.
const token = (valid: () => string) =>
  fc.oneof({ weight: 4, arbitrary: fc.constant<() => string | undefined>(valid) }, fc.constant(() => undefined), printable.map((t) => () => t));
const headers = fc.record(
  {
    'x-client-token': token(() => server.clientToken),
    'x-worker-token': token(() => server.workerToken),
    'content-type': fc.oneof(
      { weight: 6, arbitrary: fc.constant('application/json') },
      fc.constantFrom('application/json; charset=utf-8', 'application/json; charset=latin1', 'application/vnd.x+json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'json', '*/*'),
    ),
    'content-encoding': fc.oneof({ weight: 5, arbitrary: fc.constant('identity') }, fc.constantFrom('gzip', 'deflate', 'br', 'compress', 'x-junk')),
    'idempotency-key': fc.oneof(printable, fc.constant('k'.repeat(300))),
    accept: fc.constantFrom('application/json', 'text/html', '*/*', 'image/png'),
    'x-random': printable,
  },
  { requiredKeys: ['x-client-token', 'x-worker-token', 'content-type'] },
);

/** Bodies each route expects, to be mutated. */
function templates(): unknown[] {
  return [
    { initial_data: { message: 'hi', items: [1, 2] }, webhook_url: 'https://example.com/hook' },
    { decision: 'approved' },
    { worker_id: 'fz-w2', supported_tasks: ['e2e.echo'], max_concurrent_tasks: 2, resources: { gpu: 1 } },
    { supported_tasks: ['e2e.echo'], status: 'idle' },
    { job_id: ids.jobs[0], task_id: ids.tasks[0], worker_id: 'fz-w1', result: { status: 'success', data: { a: 1 }, error: null } },
    { job_id: ids.jobs[0], task_id: ids.tasks[0], worker_id: 'fz-w1', status: 'failure', error: { code: 'PERMANENT_ERROR', message: 'x' } },
  ];
}

type Mutation = (value: unknown) => unknown;
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.nat(), fc.jsonValue({ maxDepth: 3 })).map(([n, replacement]) => (value: unknown) => {
    if (typeof value !== 'object' || value === null) return replacement;
    const keys = Object.keys(value);
    const copy = { ...(value as Record<string, unknown>) };
    if (keys.length > 0) copy[keys[n % keys.length]!] = replacement;
    return copy;
  }),
  fc.nat().map((n) => (value: unknown) => {
    if (typeof value !== 'object' || value === null) return value;
    const copy = { ...(value as Record<string, unknown>) };
    delete copy[Object.keys(copy)[n % Math.max(1, Object.keys(copy).length)]!];
    return copy;
  }),
  fc.tuple(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 })).map(([key, extra]) => (value: unknown) => (typeof value === 'object' && value !== null ? { ...value, [key]: extra } : value)),
  fc.constant((value: unknown) => [value]),
  fc.constantFrom(null, 0, '', 'true', -1, [], {}).map((replacement) => () => replacement),
);

type Body = { kind: 'none' } | { kind: 'text'; text: string } | { kind: 'gzip'; text: string };
const body: fc.Arbitrary<Body> = fc.oneof(
  { weight: 2, arbitrary: fc.constant<Body>({ kind: 'none' }) },
  { weight: 4, arbitrary: fc.tuple(fc.nat(), fc.array(mutation, { maxLength: 3 })).map(([n, ms]): Body => ({ kind: 'text', text: JSON.stringify(ms.reduce((v, m) => m(v), templates()[n % templates().length])) ?? 'null' })) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v): Body => ({ kind: 'text', text: JSON.stringify(v) ?? 'null' })) },
  { weight: 2, arbitrary: fc.tuple(fc.nat(), fc.nat(), fc.string({ maxLength: 3 })).map(([n, cut, junk]): Body => {
    const text = JSON.stringify(templates()[n % templates().length]);
    const at = cut % (text.length + 1);
    return { kind: 'text', text: text.slice(0, at) + junk + text.slice(at + 1) };
  }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((text): Body => ({ kind: 'text', text })) },
  { weight: 1, arbitrary: fc.integer({ min: 60, max: 5000 }).map((depth): Body => ({ kind: 'text', text: nestedJson(depth) })) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v): Body => ({ kind: 'gzip', text: JSON.stringify(v) ?? 'null' })) },
  { weight: 1, arbitrary: fc.constant<Body>({ kind: 'text', text: JSON.stringify({ initial_data: { big: 'x'.repeat(70_000) } }) }) },
);

const METHODS = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'HEAD', 'OPTIONS'];
const request = fc.record({
  method: fc.oneof({ weight: 4, arbitrary: fc.constant('route') }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) }),
  routeIndex: fc.nat(),
  path,
  query,
  headers,
  body,
});
type FuzzRequest = typeof request extends fc.Arbitrary<infer T> ? T : never;

// ---------- the property ----------

async function send(req: FuzzRequest): Promise<void> {
  const method = req.method === 'route' ? routes[req.routeIndex % routes.length]!.method : req.method;
  const headerList: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    const text = typeof value === 'function' ? value() : value;
    if (text !== undefined) headerList[name] = text;
  }
  let payload: Uint8Array | undefined;
  if (req.body.kind !== 'none' && method !== 'GET' && method !== 'HEAD') {
    payload = req.body.kind === 'gzip' ? gzipSync(req.body.text) : new TextEncoder().encode(req.body.text);
    if (req.body.kind === 'gzip') headerList['content-encoding'] = 'gzip';
  } else {
    delete headerList['content-encoding'];
  }
  const target = `${req.path}${req.query}`;
  const response = await fetch(server.url + target, {
    method,
    headers: headerList,
    ...(payload ? { body: payload } : {}),
    redirect: 'manual',
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  const where = `${method} ${target.slice(0, 200)} -> ${response.status}: ${text.slice(0, 300)}`;
  statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
  if (response.status >= 500) failures.push(where);
  expect(response.status, where).toBeLessThan(500);
  if (response.status >= 400 && method !== 'HEAD') {
    expect(response.headers.get('content-type') ?? '', where).toContain('application/json');
    const parsed = JSON.parse(text) as { error?: unknown; code?: unknown };
    expect(typeof parsed.error === 'string' && parsed.error.length >= 8 && parsed.error !== 'internal error', where).toBe(true);
    expect(typeof parsed.code, where).toBe('string');
  }
}

describe('fuzzing the HTTP API', () => {
  it(
    'answers random and mutated requests at every route with a 2xx-4xx, and errors as JSON naming the problem',
    async () => {
      expect(routes.length).toBeGreaterThan(15);
      const runs = await runFuzz('http requests', fc.asyncProperty(request, send));
      console.log(`[fuzz] http statuses: ${[...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}x${n}`).join(' ')}`);
      expect(runs).toBeGreaterThan(0);
      expect(failures).toEqual([]);
      // The mutated requests get through auth and validation often enough to be worth something.
      expect([...statuses.keys()].some((s) => s < 300)).toBe(true);
      expect((await fetch(`${server.url}/_public/status`)).status).toBe(200);
    },
    FUZZ_TEST_TIMEOUT,
  );

  it(
    'survives malformed raw HTTP on a socket: a 4xx or a closed connection, never a 5xx or a hang',
    async () => {
      const { port } = new URL(server.url);
      const line = fc.oneof(
        fc.string({ unit: 'binary-ascii', maxLength: 80 }),
        fc.tuple(fc.constantFrom('GET', 'POST', 'PATCH', 'G\x00T', 'BREW', ''), path, fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/9.9', 'HTTP/1.1\r\nX: y', '')).map(([m, p, v]) => `${m} ${p} ${v}`),
      );
      const headerLine = fc.oneof(
        fc.constantFrom('Content-Length: 5', 'Content-Length: -1', 'Content-Length: 99999999999', 'Content-Length: 3\r\nContent-Length: 4', 'Transfer-Encoding: chunked', 'Transfer-Encoding: gzip, chunked', 'Content-Type: application/json', 'Host:', 'X-Client-Token: ' + 'a'.repeat(20_000), 'Expect: 100-continue'),
        fc.string({ unit: 'binary-ascii', maxLength: 60 }),
      );
      const raw = fc.tuple(line, fc.array(headerLine, { maxLength: 5 }), fc.string({ unit: 'binary-ascii', maxLength: 100 }))
        .map(([first, hs, rest]) => `${first}\r\nHost: localhost\r\n${hs.join('\r\n')}\r\n\r\n${rest}`);
      const property = fc.asyncProperty(raw, async (text) => {
        const status = await new Promise<number | 'closed'>((resolve, reject) => {
          const socket = connect(Number(port), '127.0.0.1');
          let received = '';
          const timer = setTimeout(() => {
            socket.destroy();
            reject(new Error(`no answer and no close within 5 s for ${JSON.stringify(text.slice(0, 200))}`));
          }, 5000);
          socket.on('data', (chunk) => {
            received += chunk.toString('latin1');
            const match = /^HTTP\/1\.[01] (\d{3})/.exec(received);
            if (match) {
              clearTimeout(timer);
              socket.destroy();
              resolve(Number(match[1]));
            }
          });
          socket.on('error', () => undefined);
          socket.on('close', () => {
            clearTimeout(timer);
            resolve('closed');
          });
          socket.end(text, 'latin1');
        });
        if (status !== 'closed') expect(status, JSON.stringify(text.slice(0, 200))).toBeLessThan(500);
      });
      await runFuzz('raw http', property, Math.max(50, Math.round(FUZZ.runs / 3)));
      expect((await fetch(`${server.url}/_public/status`)).status).toBe(200);
    },
    FUZZ_TEST_TIMEOUT,
  );

  it(
    'answers random and mutated WebSocket messages with error events, and keeps the socket open',
    async () => {
      const socket = new WebSocket(`${server.url.replace('http', 'ws')}/_worker/ws/fz-w1`, { headers: { 'x-worker-token': server.workerToken } });
      await new Promise((resolve, reject) => {
        socket.once('open', resolve);
        socket.once('error', reject);
      });
      const replies: string[] = [];
      let sentinel: { id: string; resolve: () => void } | undefined;
      socket.on('message', (data) => {
        const text = String(data);
        replies.push(text);
        if (sentinel && text.includes(sentinel.id)) sentinel.resolve();
      });
      let batches = 0;
      const progress = { event: 'progress_update', job_id: ids.jobs[0], task_id: ids.tasks[0], progress: 50, message: 'half' };
      const message = fc.oneof(
        fc.string({ maxLength: 200 }),
        fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null'),
        fc.tuple(fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([ms]) => JSON.stringify(ms.reduce((v, m) => m(v), progress as unknown)) ?? 'null'),
        fc.integer({ min: 60, max: 3000 }).map((depth) => nestedJson(depth)),
      );
      const property = fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 5 }), async (batch) => {
        replies.length = 0;
        for (const text of batch) socket.send(text);
        const id = `sentinel-${++batches}`;
        const answered = new Promise<void>((resolve) => {
          sentinel = { id, resolve };
        });
        // A progress update for a job that does not exist gets an error naming it: it marks the end of the batch.
        socket.send(JSON.stringify({ event: 'progress_update', job_id: id, task_id: id, progress: 1 }));
        await answered;
        expect(socket.readyState).toBe(WebSocket.OPEN);
        for (const reply of replies) {
          const parsed = JSON.parse(reply) as { event?: unknown; code?: unknown; error?: unknown };
          expect(parsed.event, reply).toBe('error');
          expect(parsed.code, reply).not.toBe('INTERNAL_ERROR');
          expect(typeof parsed.error === 'string' && parsed.error.length >= 8, reply).toBe(true);
        }
      });
      await runFuzz('websocket messages', property);
      socket.close();
      expect((await fetch(`${server.url}/_public/status`)).status).toBe(200);
    },
    FUZZ_TEST_TIMEOUT,
  );
});
