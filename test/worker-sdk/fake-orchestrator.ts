/**
 * A small stand-in for the orchestrator's worker API (node:http + ws), for the SDK mechanics that need
 * a server that misbehaves on cue: down then up, forgetting workers, answering 503. Behaviour with
 * the real engine is tested against the real server in sdk-e2e.test.ts.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type WebSocket from 'ws';
import type { Task } from '../../src/worker-sdk/wire.js';

export const FAKE_TOKEN = 'fake-worker-token';

/** A task as the fake hands it out: the SDK's own wire type. */
export type FakeTask = Task;

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
  at: number;
}

/** Return a reply to answer a request yourself, or undefined to let the fake answer it. */
export type Override = (request: RecordedRequest) => { status: number; body?: unknown } | undefined;

export class FakeOrchestrator {
  readonly requests: RecordedRequest[] = [];
  readonly registrations: Record<string, unknown>[] = [];
  readonly results: Record<string, unknown>[] = [];
  readonly socketMessages: unknown[] = [];
  readonly workers = new Set<string>();
  /** Task ids whose results get 409 and that heartbeats list as cancelled. */
  readonly cancelled = new Set<string>();
  override: Override | undefined;
  /** How long a poll waits before 204. */
  pollWaitMs = 300;
  private readonly queue: FakeTask[] = [];
  private readonly waiting = new Set<() => void>();
  private readonly sockets = new Map<string, WebSocket>();
  private readonly wss = new WebSocketServer({ noServer: true });
  private server: Server | null = null;
  private port = 0;
  private taskCounter = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('upgrade', (req, socket, head) => {
      const match = /^\/_worker\/ws\/([^/?]+)/.exec(req.url ?? '');
      if (!match || req.headers['x-worker-token'] !== FAKE_TOKEN) {
        socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
        return;
      }
      const workerId = decodeURIComponent(match[1]!);
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        this.sockets.set(workerId, ws);
        this.socketConnections.set(workerId, (this.socketConnections.get(workerId) ?? 0) + 1);
        ws.on('message', (data) => this.socketMessages.push(JSON.parse(data.toString()) as unknown));
        ws.on('close', () => {
          if (this.sockets.get(workerId) === ws) this.sockets.delete(workerId);
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Closes the listener and every connection: the worker sees connection refused until start(). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    for (const ws of this.sockets.values()) ws.terminate();
    this.sockets.clear();
    for (const wake of this.waiting) wake();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** A restart of an orchestrator with a memory store: same port, every worker forgotten. */
  async restart(downMs = 0): Promise<void> {
    await this.stop();
    this.workers.clear();
    if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.start();
  }

  enqueue(type: string, params: Record<string, unknown> = {}, attempt = 1): FakeTask {
    this.taskCounter += 1;
    const task: FakeTask = {
      job_id: `job-${this.taskCounter}`,
      task_id: `task-${this.taskCounter}`,
      type,
      params,
      priority: 0,
      attempt,
      deadline: null,
      tracing_context: {},
      params_metadata: {},
    };
    this.queue.push(task);
    for (const wake of this.waiting) wake();
    return task;
  }

  isSocketOpen(workerId: string): boolean {
    return this.sockets.has(workerId);
  }

  /** Closes the worker's socket from the server side with `code`. */
  closeSocket(workerId: string, code: number): void {
    this.sockets.get(workerId)?.close(code, 'closed by the test');
  }

  /** Sends cancel_task over the worker's socket; false when it has none. */
  sendCancel(workerId: string, task: FakeTask): boolean {
    this.cancelled.add(task.task_id);
    const ws = this.sockets.get(workerId);
    if (!ws) return false;
    ws.send(JSON.stringify({ command: 'cancel_task', job_id: task.job_id, task_id: task.task_id }));
    return true;
  }

  count(method: string, pathPrefix: string): number {
    return this.requests.filter((r) => r.method === method && r.path.startsWith(pathPrefix)).length;
  }

  async close(): Promise<void> {
    await this.stop();
    this.wss.close();
  }

  /** How many sockets this worker has opened so far. */
  socketConnections = new Map<string, number>();

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString();
    const url = new URL(req.url ?? '/', 'http://x');
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      body: text ? (JSON.parse(text) as unknown) : undefined,
      at: Date.now(),
    };
    this.requests.push(recorded);
    const reply = (status: number, body?: unknown): void => {
      if (res.writableEnded || res.destroyed) return;
      res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    if (req.headers['x-worker-token'] !== FAKE_TOKEN) return reply(401, { error: 'bad worker token', code: 'UNAUTHORIZED' });
    const custom = this.override?.(recorded);
    if (custom) return reply(custom.status, custom.body);

    const body = (recorded.body ?? {}) as Record<string, unknown>;
    const workerPath = /^\/_worker\/workers\/([^/]+)(\/tasks\/next)?$/.exec(url.pathname);
    if (req.method === 'POST' && url.pathname === '/_worker/workers/register') {
      this.registrations.push(body);
      this.workers.add(String(body.worker_id));
      return reply(200, { status: 'registered' });
    }
    if (req.method === 'POST' && url.pathname === '/_worker/tasks/result') {
      this.results.push(body);
      if (this.cancelled.has(String(body.task_id))) return reply(409, { error: 'task cancelled', code: 'CONFLICT' });
      return reply(200, { status: 'result_accepted_success' });
    }
    if (workerPath && req.method === 'PATCH' && !workerPath[2]) {
      if (!this.workers.has(decodeURIComponent(workerPath[1]!))) return reply(404, { error: 'unknown worker', code: 'NOT_FOUND' });
      return reply(200, { status: 'ttl_refreshed', cancelled_tasks: [...this.cancelled] });
    }
    if (workerPath && req.method === 'GET' && workerPath[2]) {
      if (!this.workers.has(decodeURIComponent(workerPath[1]!))) return reply(404, { error: 'unknown worker', code: 'NOT_FOUND' });
      const task = await this.nextTask(res);
      return task ? reply(200, task) : reply(204);
    }
    reply(404, { error: `no route ${req.method} ${url.pathname}`, code: 'NOT_FOUND' });
  }

  private async nextTask(res: ServerResponse): Promise<FakeTask | undefined> {
    const deadline = Date.now() + this.pollWaitMs;
    let gone = false;
    res.once('close', () => {
      gone = true;
    });
    while (this.queue.length === 0 && Date.now() < deadline && !gone && this.server) {
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          this.waiting.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, deadline - Date.now());
        this.waiting.add(wake);
        res.once('close', wake);
      });
    }
    // A poll whose client went away takes nothing, as the real server must.
    if (gone || !this.server) return undefined;
    return this.queue.shift();
  }
}
