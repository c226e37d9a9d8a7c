/**
 * Starts real orchestrator processes (orchestrator-process.ts) on free ports against one Redis, for
 * the multi-process, crash and connection tests. Each can be killed (SIGKILL) and started again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const CLIENT_TOKEN = 'redis-test-client-token-0123456789';
export const WORKER_TOKEN = 'redis-test-worker-token-0123456789';
export const BLUEPRINTS = fileURLToPath(new URL('./blueprints', import.meta.url));
const ENTRY = fileURLToPath(new URL('./orchestrator-process.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const live = new Set<ChildProcess>();
// A test run that ends without its teardown must not leave orchestrators behind.
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export interface Orchestrator {
  readonly url: string;
  readonly pid: number;
  /** SIGKILL (default) or SIGTERM, and wait for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  readonly stderr: () => string;
}

export async function startOrchestrator(redisUrl: string, env: Record<string, string> = {}): Promise<Orchestrator> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      REDIS_URL: redisUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      BLUEPRINTS_DIR: BLUEPRINTS,
      CLIENT_TOKEN,
      GLOBAL_WORKER_TOKEN: WORKER_TOKEN,
      LOG_LEVEL: 'silent',
      WORKER_POLL_TIMEOUT: '5s',
      ENABLE_DEBUG_ENDPOINTS: 'true',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    errors = (errors + chunk.toString('utf8')).slice(-20_000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  live.add(child);
  void exited.then(() => live.delete(child));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`orchestrator did not start within 30 s:\n${errors}`)), 30_000);
    void exited.then(() => reject(new Error(`orchestrator exited before listening:\n${errors}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const parsed = JSON.parse(line) as { url?: string };
        if (parsed.url) {
          clearTimeout(timer);
          resolve(parsed.url);
        }
      } catch {
        // not our line
      }
    });
  });
  return {
    url,
    pid: child.pid ?? -1,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
    stderr: () => errors,
  };
}

export interface Reply {
  status: number;
  body: unknown;
}

async function send(url: string, method: string, headers: Record<string, string>, body?: unknown): Promise<Reply> {
  const response = await fetch(url, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    // keep the text
  }
  return { status: response.status, body: parsed };
}

export const asClient = (base: string, method: string, path: string, body?: unknown): Promise<Reply> =>
  send(base + path, method, { 'x-client-token': CLIENT_TOKEN }, body);

export const asWorker = (base: string, method: string, path: string, body?: unknown): Promise<Reply> =>
  send(base + path, method, { 'x-worker-token': WORKER_TOKEN }, body);

export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
