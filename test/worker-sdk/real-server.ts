/**
 * The real Switchyard (config, engine, memory store, HTTP app) on a free port, serving the SDK test
 * blueprints, plus the client calls the SDK tests need.
 */
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config.js';
import { startSwitchyard, type RunningSwitchyard } from '../../src/main.js';
import { waitFor } from './wait-for.js';

export const CLIENT_TOKEN = 'sdk-test-client-token-0123456789abcdef';
export const WORKER_TOKEN = 'sdk-test-worker-token-0123456789abcdef';
export const SDK_BLUEPRINTS = fileURLToPath(new URL('../fixtures/sdk-blueprints', import.meta.url));

export interface JobBody {
  id: string;
  status: string;
  result?: unknown;
  error?: { code: string; message: string };
  progress: { progress?: number; message?: string } | null;
  current_task: { task_id: string; worker_id: string | null; attempt: number } | null;
}

/** Starts a server; `port` reuses a port (a restart), 0 picks a free one. */
export async function startServer(options: { port?: number; blueprintsDir?: string } = {}): Promise<RunningSwitchyard> {
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: String(options.port ?? 0),
    BLUEPRINTS_DIR: options.blueprintsDir ?? SDK_BLUEPRINTS,
    CLIENT_TOKEN,
    GLOBAL_WORKER_TOKEN: WORKER_TOKEN,
    WORKER_POLL_TIMEOUT: '5s',
    LOG_LEVEL: 'silent',
  });
  return startSwitchyard(config);
}

async function call(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url + path, {
    method,
    headers: { 'X-Client-Token': CLIENT_TOKEN, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

export async function createJob(url: string, blueprint: string, initialData: Record<string, unknown> = {}): Promise<string> {
  const reply = await call(url, 'POST', `/api/v1/jobs/${blueprint}`, { initial_data: initialData });
  if (reply.status !== 202) throw new Error(`creating a ${blueprint} job: ${reply.status} ${JSON.stringify(reply.body)}`);
  return (reply.body as { job_id: string }).job_id;
}

export async function getJob(url: string, jobId: string): Promise<JobBody> {
  const reply = await call(url, 'GET', `/api/v1/jobs/${jobId}`);
  if (reply.status !== 200) throw new Error(`GET job ${jobId}: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body as JobBody;
}

export async function history(url: string, jobId: string): Promise<{ event_type: string }[]> {
  return (await call(url, 'GET', `/api/v1/jobs/${jobId}/history`)).body as { event_type: string }[];
}

export async function cancelJob(url: string, jobId: string): Promise<{ status: number; body: unknown }> {
  return call(url, 'POST', `/api/v1/jobs/${jobId}/cancel`);
}

export async function listWorkers(url: string): Promise<{ worker_id: string }[]> {
  return (await call(url, 'GET', '/api/v1/workers')).body as { worker_id: string }[];
}

const ENDED = ['finished', 'failed', 'cancelled', 'quarantined'];

/** Waits for the job to end and returns it. */
export async function jobEnded(url: string, jobId: string, timeoutMs = 10_000): Promise<JobBody> {
  return waitFor(`job ${jobId} to end`, async () => {
    const job = await getJob(url, jobId);
    return ENDED.includes(job.status) ? job : undefined;
  }, timeoutMs);
}
