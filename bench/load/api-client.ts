import { Pool } from 'undici';
import type { ApiOptions } from './options.js';

/**
 * The three exchanges of a job (create, next task, result) plus status reads and registration, over
 * keep-alive connection pools. One pool per base URL and role, so that long-polls held by workers never
 * queue the clients' requests behind them.
 */
export interface Task {
  job_id: string;
  task_id: string;
  [field: string]: unknown;
}

export interface JobStatusReply {
  status: string;
  [field: string]: unknown;
}

export class UnexpectedReply extends Error {
  constructor(what: string, status: number, body: string) {
    super(`${what}: HTTP ${status} ${body.slice(0, 300)}`);
  }
}

const TERMINAL = new Set(['finished', 'failed', 'cancelled', 'quarantined']);

export function isTerminal(status: string): boolean {
  return TERMINAL.has(status);
}

export interface PoolSizes {
  clientConnections: number;
  workerConnections: number;
}

/** Requests made, by exchange; a poll that came back empty (204) is counted apart. */
export interface RequestCounts {
  create: number;
  status: number;
  register: number;
  pollWithTask: number;
  pollEmpty: number;
  result: number;
}

export class ApiClient {
  readonly counts: RequestCounts = { create: 0, status: 0, register: 0, pollWithTask: 0, pollEmpty: 0, result: 0 };
  private readonly clientPools: Pool[];
  private readonly workerPools: Pool[];
  private readonly clientHeaders: Record<string, string>;
  private readonly workerHeaders: Record<string, string>;
  private readonly jsonClientHeaders: Record<string, string>;
  private readonly jsonWorkerHeaders: Record<string, string>;

  constructor(
    readonly options: ApiOptions,
    sizes: PoolSizes,
  ) {
    const perUrl = (n: number): number => Math.max(1, Math.ceil(n / options.urls.length));
    const pool = (url: string, connections: number): Pool =>
      new Pool(url, {
        connections,
        pipelining: 1,
        keepAliveTimeout: 60_000,
        // Long-polls are held for up to pollTimeoutS; never cut them short on our side.
        headersTimeout: (options.pollTimeoutS + 30) * 1000,
        bodyTimeout: (options.pollTimeoutS + 30) * 1000,
      });
    this.clientPools = options.urls.map((url) => pool(url, perUrl(sizes.clientConnections)));
    this.workerPools = options.urls.map((url) => pool(url, perUrl(sizes.workerConnections)));
    this.clientHeaders = { [options.clientHeader]: options.clientToken };
    this.workerHeaders = { [options.workerHeader]: options.workerToken };
    this.jsonClientHeaders = { ...this.clientHeaders, 'content-type': 'application/json' };
    this.jsonWorkerHeaders = { ...this.workerHeaders, 'content-type': 'application/json' };
  }

  /** Index of the base URL that the n-th client or worker uses. */
  urlIndex(n: number): number {
    return n % this.options.urls.length;
  }

  async createJob(via: number, initialData: Record<string, unknown>): Promise<string> {
    this.counts.create += 1;
    const reply = await this.clientPools[this.urlIndex(via)]!.request({
      method: 'POST',
      path: this.options.endpoint,
      headers: this.jsonClientHeaders,
      body: JSON.stringify({ initial_data: initialData }),
    });
    const text = await reply.body.text();
    if (reply.statusCode !== 202 && reply.statusCode !== 200 && reply.statusCode !== 201) {
      throw new UnexpectedReply('create job', reply.statusCode, text);
    }
    const body = JSON.parse(text) as { job_id?: unknown };
    if (typeof body.job_id !== 'string') throw new UnexpectedReply('create job (no job_id)', reply.statusCode, text);
    return body.job_id;
  }

  async jobStatus(via: number, jobId: string): Promise<JobStatusReply> {
    this.counts.status += 1;
    const reply = await this.clientPools[this.urlIndex(via)]!.request({
      method: 'GET',
      path: `/api/v1/jobs/${encodeURIComponent(jobId)}`,
      headers: this.clientHeaders,
    });
    const text = await reply.body.text();
    if (reply.statusCode !== 200) throw new UnexpectedReply(`job status ${jobId}`, reply.statusCode, text);
    return JSON.parse(text) as JobStatusReply;
  }

  async register(via: number, workerId: string): Promise<void> {
    this.counts.register += 1;
    const reply = await this.workerPools[this.urlIndex(via)]!.request({
      method: 'POST',
      path: '/_worker/workers/register',
      headers: this.jsonWorkerHeaders,
      body: JSON.stringify({ worker_id: workerId, supported_tasks: [this.options.taskType] }),
    });
    const text = await reply.body.text();
    if (reply.statusCode !== 200 && reply.statusCode !== 201) throw new UnexpectedReply('register', reply.statusCode, text);
  }

  /** One long-poll: the task, or null when the server answered 204 (nothing came in time). */
  async nextTask(via: number, workerId: string, signal?: AbortSignal): Promise<Task | null> {
    const reply = await this.workerPools[this.urlIndex(via)]!.request({
      method: 'GET',
      path: `/_worker/workers/${encodeURIComponent(workerId)}/tasks/next?timeout=${this.options.pollTimeoutS}`,
      headers: this.workerHeaders,
      signal,
    });
    const text = await reply.body.text();
    if (reply.statusCode === 204) {
      this.counts.pollEmpty += 1;
      return null;
    }
    if (reply.statusCode !== 200) throw new UnexpectedReply('next task', reply.statusCode, text);
    this.counts.pollWithTask += 1;
    return JSON.parse(text) as Task;
  }

  /** Posts a successful result in the reference's nested form. */
  async postResult(via: number, workerId: string, task: Task, data: Record<string, unknown>): Promise<void> {
    this.counts.result += 1;
    const reply = await this.workerPools[this.urlIndex(via)]!.request({
      method: 'POST',
      path: '/_worker/tasks/result',
      headers: this.jsonWorkerHeaders,
      body: JSON.stringify({
        job_id: task.job_id,
        task_id: task.task_id,
        worker_id: workerId,
        result: { status: 'success', data, error: null },
      }),
    });
    const text = await reply.body.text();
    if (reply.statusCode !== 200) throw new UnexpectedReply('post result', reply.statusCode, text);
  }

  async close(): Promise<void> {
    await Promise.all([...this.clientPools, ...this.workerPools].map((pool) => pool.destroy()));
  }
}
