/**
 * The REAL Switchyard (startSwitchyard: config, blueprints, store, engine, HTTP app, WebSockets) on a
 * free port, for end-to-end tests of any layer (HTTP, SDK, console, bench, security).
 *
 *   const server = await startTestServer({ blueprintsDir: 'test/fixtures/http-blueprints' });
 *   const { status, body } = await server.client.post('/api/v1/jobs/echo', { initial_data: { a: 1 } });
 *   ...
 *   await server.close();
 *
 * Tokens are fixed (`CLIENT_TOKEN`, `WORKER_TOKEN` below) unless `env` overrides them. `store` swaps
 * the store (e.g. a Redis store for the Redis run of a suite); otherwise REDIS_URL in `env` selects one
 * exactly as in production, and without it the memory store is used.
 */
import { fileURLToPath } from 'node:url';
import { loadConfig, type Config } from '../../src/config.js';
import type { JobView } from '../../src/engine/api.js';
import { startSwitchyard, type RunningSwitchyard, type StartOptions } from '../../src/main.js';
import type { Store } from '../../src/storage/contracts.js';

export const CLIENT_TOKEN = 'test-client-token-0123456789abcdef';
export const WORKER_TOKEN = 'test-worker-token-0123456789abcdef';
export const HTTP_BLUEPRINTS = fileURLToPath(new URL('../fixtures/http-blueprints', import.meta.url));

export interface TestServerOptions {
  /** Default: test/fixtures/http-blueprints. */
  blueprintsDir?: string;
  /** Extra configuration variables (they win over the defaults: PORT=0, LOG_LEVEL=silent, WORKER_POLL_TIMEOUT=2s, the tokens). */
  env?: Record<string, string>;
  /** A store, or a factory called once per start (a restart gets a fresh one unless the factory reuses it). */
  store?: Store | (() => Store | Promise<Store>);
  /** Passed to startSwitchyard (clock, pingIntervalMs, ...). */
  start?: Omit<StartOptions, 'store'>;
}

export interface Reply<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** JSON over fetch with one party's token; `body` undefined sends no body. */
export interface HttpClient {
  get<T = unknown>(path: string, headers?: Record<string, string>): Promise<Reply<T>>;
  post<T = unknown>(path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply<T>>;
  patch<T = unknown>(path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply<T>>;
}

export interface TestServer {
  readonly url: string;
  readonly clientToken: string;
  readonly workerToken: string;
  readonly config: Config;
  readonly running: RunningSwitchyard;
  /** Calls with X-Client-Token. */
  readonly client: HttpClient;
  /** Calls with X-Worker-Token (the global token). */
  readonly worker: HttpClient;
  /** Creates a job and returns its id; throws unless the reply is 202. */
  createJob(endpoint: string, initialData?: Record<string, unknown>, extra?: Record<string, unknown>): Promise<string>;
  getJob(jobId: string): Promise<JobView>;
  /** Polls the job until `done(job)` holds (default: it ended); throws after `timeoutMs`. */
  waitForJob(jobId: string, done?: (job: JobView) => boolean, timeoutMs?: number): Promise<JobView>;
  close(): Promise<void>;
}

export const ENDED_STATUSES = ['finished', 'failed', 'cancelled', 'quarantined'];

async function decode(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function httpClient(url: string, auth: Record<string, string>): HttpClient {
  const send = async <T>(method: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> => {
    const response = await fetch(url + path, {
      method,
      headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { status: response.status, body: (await decode(response)) as T, headers: response.headers };
  };
  return {
    get: (path, headers) => send('GET', path, undefined, headers),
    post: (path, body, headers) => send('POST', path, body, headers),
    patch: (path, body, headers) => send('PATCH', path, body, headers),
  };
}

/** Retries `probe` every 20 ms until it returns something other than undefined. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const env = {
    HOST: '127.0.0.1',
    PORT: '0',
    BLUEPRINTS_DIR: options.blueprintsDir ?? HTTP_BLUEPRINTS,
    CLIENT_TOKEN,
    GLOBAL_WORKER_TOKEN: WORKER_TOKEN,
    WORKER_POLL_TIMEOUT: '2s',
    LOG_LEVEL: 'silent',
    ...options.env,
  };
  const config = loadConfig(env);
  const store = typeof options.store === 'function' ? await options.store() : options.store;
  const running = await startSwitchyard(config, { ...options.start, ...(store ? { store } : {}) });
  const clientToken = env.CLIENT_TOKEN;
  const workerToken = env.GLOBAL_WORKER_TOKEN;
  const client = httpClient(running.url, { 'x-client-token': clientToken });
  const getJob = async (jobId: string): Promise<JobView> => {
    const reply = await client.get<JobView>(`/api/v1/jobs/${encodeURIComponent(jobId)}`);
    if (reply.status !== 200) throw new Error(`GET job ${jobId}: ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body;
  };
  return {
    url: running.url,
    clientToken,
    workerToken,
    config,
    running,
    client,
    worker: httpClient(running.url, { 'x-worker-token': workerToken }),
    async createJob(endpoint, initialData = {}, extra = {}) {
      const reply = await client.post<{ job_id: string }>(`/api/v1/jobs/${endpoint}`, { initial_data: initialData, ...extra });
      if (reply.status !== 202) throw new Error(`creating a ${endpoint} job: ${reply.status} ${JSON.stringify(reply.body)}`);
      return reply.body.job_id;
    },
    getJob,
    waitForJob(jobId, done = (job) => ENDED_STATUSES.includes(job.status), timeoutMs = 10_000) {
      return eventually(`job ${jobId}`, async () => {
        const job = await getJob(jobId);
        return done(job) ? job : undefined;
      }, timeoutMs);
    },
    close: () => running.close(),
  };
}
