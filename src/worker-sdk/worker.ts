/**
 * A Switchyard worker: registers, heartbeats, long-polls for tasks while it holds fewer than
 * `concurrency`, runs the handler of each task's type, and posts the result. It speaks only the
 * HTTP/WebSocket protocol of docs/workers.md.
 */
import { Backoff, sleep } from './backoff.js';
import { TaskAbortedError, WorkerRejectedError } from './errors.js';
import { runHandler } from './handler.js';
import type { TaskContext, TaskHandler, WireResult } from './handler.js';
import { ServerUnreachableError, createHttpClient, describe, replyMessage } from './http-client.js';
import type { HttpClient, HttpReply } from './http-client.js';
import { stderrLogger } from './logger.js';
import type { WorkerLogger } from './logger.js';
import { WorkerSocket } from './socket.js';
import { cancelledTasksOf, isTask } from './wire.js';
import type { RegisterBody, ResultBody, Task, WorkerResources } from './wire.js';

export interface WorkerOptions {
  /** The orchestrator's base URL, e.g. http://127.0.0.1:8080. */
  url: string;
  /** The worker token (individual or GLOBAL_WORKER_TOKEN), sent as X-Worker-Token. */
  token: string;
  workerId: string;
  /** One handler per task type; the keys are registered as `supported_tasks`. */
  tasks: Record<string, TaskHandler>;
  /** Tasks held at once (default 1); registered as `max_concurrent_tasks`. */
  concurrency?: number;
  resources?: WorkerResources;
  models?: string[];
  /** More registration fields, shown in the workers list (hostname, version...). */
  metadata?: Record<string, unknown>;
  /** Milliseconds between heartbeats (default 10 000); keep it well under the server's WORKER_TTL. */
  heartbeatInterval?: number;
  /** Seconds a long-poll may wait for a task (the server caps it at 60; default: the server's setting). */
  pollTimeout?: number;
  /** Open the WebSocket for instant cancels and progress (default true). */
  websocket?: boolean;
  /** Retry delays while the server is down (default 250 ms doubling up to 10 s, jittered). */
  backoff?: { initialMs?: number; maxMs?: number };
  logger?: WorkerLogger;
}

export interface StopOptions {
  /**
   * Milliseconds to let running handlers finish; then their signals abort (reason 'worker_stopping')
   * and, after as long again, stop() stops waiting for stuck handlers and unposted results.
   * Default: wait for ever.
   */
  timeoutMs?: number;
}

interface RunningTask {
  task: Task;
  controller: AbortController;
  cancelled: boolean;
}

/** A 204 faster than this did not wait for work: the server is draining or counts the worker as full. */
const FAST_EMPTY_POLL_MS = 100;

/** Cancels that arrive before their task is running (a cancel racing the poll reply). */
const EARLY_CANCEL_MEMORY = 1000;

export class SwitchyardWorker {
  readonly workerId: string;
  private readonly http: HttpClient;
  private readonly logger: WorkerLogger;
  private readonly concurrency: number;
  private readonly heartbeatMs: number;
  private readonly socket: WorkerSocket | null;
  private readonly running = new Map<string, RunningTask>();
  private readonly taskDone = new Set<Promise<void>>();
  private readonly earlyCancels = new Set<string>();
  /** Aborts the long-poll and every wait of the poll loop. */
  private readonly stopPolling = new AbortController();
  /** Aborts heartbeats once the last task is done. */
  private readonly stopHeartbeats = new AbortController();
  /** Aborts result retries when stop()'s grace has run out. */
  private readonly abandonResults = new AbortController();
  private slotFreed: (() => void) | null = null;
  private registering: Promise<void> | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private pollLoop: Promise<void> | null = null;
  private stopping: Promise<void> | null = null;

  constructor(private readonly options: WorkerOptions) {
    const types = Object.keys(options.tasks);
    if (types.length === 0) throw new TypeError('createWorker: `tasks` must name at least one task type');
    if (!/^[A-Za-z0-9._-]{1,128}$/.test(options.workerId)) {
      throw new TypeError(`createWorker: workerId "${options.workerId}" must match ^[A-Za-z0-9._-]{1,128}$`);
    }
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new TypeError(`createWorker: concurrency must be a positive integer, got ${concurrency}`);
    }
    this.workerId = options.workerId;
    this.concurrency = concurrency;
    this.heartbeatMs = options.heartbeatInterval ?? 10_000;
    this.logger = options.logger ?? stderrLogger;
    this.http = createHttpClient(options.url, options.token);
    this.socket =
      options.websocket === false
        ? null
        : new WorkerSocket({
            url: `${options.url.replace(/^http/, 'ws').replace(/\/+$/, '')}/_worker/ws/${encodeURIComponent(this.workerId)}`,
            token: options.token,
            logger: this.logger,
            backoff: this.newBackoff(),
            onCancel: (taskId) => this.cancel(taskId, 'websocket'),
          });
  }

  /** Tasks being handled now. */
  get activeTasks(): number {
    return this.running.size;
  }

  /**
   * Registers (waiting out a server that is down) and starts heartbeats, the socket and polling.
   * Rejects with WorkerRejectedError when the server refuses the worker (bad token, bad description).
   */
  async start(): Promise<void> {
    if (this.pollLoop) throw new Error('this worker has already been started');
    this.pollLoop = Promise.resolve();
    await this.register();
    if (this.stopPolling.signal.aborted) return;
    this.socket?.start();
    this.scheduleHeartbeat();
    this.pollLoop = this.poll();
  }

  /** Stops polling, lets running handlers finish and post their results, then closes. Idempotent. */
  stop(options: StopOptions = {}): Promise<void> {
    this.stopping ??= this.shutdown(options);
    return this.stopping;
  }

  /** Aborts the task's signal and makes sure its result is not posted. */
  private cancel(taskId: string, via: string): void {
    const entry = this.running.get(taskId);
    if (!entry) {
      this.earlyCancels.add(taskId);
      if (this.earlyCancels.size > EARLY_CANCEL_MEMORY) {
        const oldest = this.earlyCancels.values().next().value;
        if (oldest !== undefined) this.earlyCancels.delete(oldest);
      }
      return;
    }
    if (entry.cancelled) return;
    entry.cancelled = true;
    this.logger.info({ job_id: entry.task.job_id, task_id: taskId, via }, 'task cancelled');
    entry.controller.abort(new TaskAbortedError('cancelled'));
  }

  private async shutdown({ timeoutMs }: StopOptions): Promise<void> {
    this.stopPolling.abort();
    this.slotFreed?.();
    await this.pollLoop;
    if (timeoutMs !== undefined && this.taskDone.size > 0) {
      const finished = await this.allTasksDone(timeoutMs);
      if (!finished) {
        this.logger.warn({ tasks: [...this.running.keys()] }, 'stop timeout: aborting running tasks');
        for (const entry of this.running.values()) entry.controller.abort(new TaskAbortedError('worker_stopping'));
        if (!(await this.allTasksDone(timeoutMs))) {
          // Handlers that ignore their signal, or results the server never took: stop waiting for them.
          this.abandonResults.abort();
          this.logger.error({ tasks: [...this.running.keys()] }, 'stop: tasks still running after the grace period; leaving them');
          this.taskDone.clear();
        }
      }
    }
    await Promise.all(this.taskDone);
    this.stopHeartbeats.abort();
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    this.socket?.close();
    this.logger.info({ worker_id: this.workerId }, 'worker stopped');
  }

  private async allTasksDone(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const done = Promise.all(this.taskDone).then(() => true as const);
    const finished = await Promise.race([done, timedOut]);
    clearTimeout(timer);
    return finished;
  }

  private registrationBody(): RegisterBody {
    const { resources, models, metadata } = this.options;
    return {
      ...metadata,
      worker_id: this.workerId,
      supported_tasks: Object.keys(this.options.tasks),
      max_concurrent_tasks: this.concurrency,
      capabilities: { websockets: this.socket !== null },
      ...(resources ? { resources } : {}),
      ...(models ? { models } : {}),
    };
  }

  /** One registration at a time, however many loops found the worker unknown. */
  private register(): Promise<void> {
    this.registering ??= this.registerUntilDone().finally(() => {
      this.registering = null;
    });
    return this.registering;
  }

  private async registerUntilDone(): Promise<void> {
    const backoff = this.newBackoff();
    const signal = this.stopHeartbeats.signal;
    while (!signal.aborted) {
      let reply: HttpReply;
      try {
        reply = await this.http.request('POST', '/_worker/workers/register', { body: this.registrationBody(), signal });
      } catch (error) {
        if (signal.aborted) return;
        await this.waitAfter(error, backoff, 'register', signal);
        continue;
      }
      if (reply.status >= 200 && reply.status < 300) {
        this.logger.info({ worker_id: this.workerId, tasks: Object.keys(this.options.tasks) }, 'worker registered');
        this.socket?.reconnectNow();
        return;
      }
      if (isRetryable(reply.status)) {
        await this.waitAfter(reply, backoff, 'register', signal);
        continue;
      }
      throw new WorkerRejectedError(reply.status, `registration refused: ${replyMessage(reply)}`);
    }
  }

  private scheduleHeartbeat(): void {
    if (this.stopHeartbeats.signal.aborted) return;
    this.heartbeatTimer = setTimeout(() => {
      void this.heartbeat().finally(() => this.scheduleHeartbeat());
    }, this.heartbeatMs);
  }

  /** An empty-body PATCH: refreshes the TTL and brings back the cancelled tasks this worker holds. */
  private async heartbeat(): Promise<void> {
    const signal = this.stopHeartbeats.signal;
    let reply: HttpReply;
    try {
      reply = await this.http.request('PATCH', `/_worker/workers/${encodeURIComponent(this.workerId)}`, { signal });
    } catch (error) {
      if (!signal.aborted) this.logger.warn({ err: describe(error) }, 'heartbeat failed');
      return;
    }
    if (reply.status === 200) {
      for (const taskId of cancelledTasksOf(reply.body)) this.cancel(taskId, 'heartbeat');
    } else if (reply.status === 404) {
      this.logger.warn({ worker_id: this.workerId }, 'the orchestrator does not know this worker; registering again');
      await this.register().catch((error: unknown) => this.logger.error({ err: describe(error) }, 'registering again failed'));
    } else {
      this.logger.warn({ status: reply.status }, `heartbeat refused: ${replyMessage(reply)}`);
    }
  }

  private async poll(): Promise<void> {
    const backoff = this.newBackoff();
    const signal = this.stopPolling.signal;
    const query = this.options.pollTimeout === undefined ? '' : `?timeout=${this.options.pollTimeout}`;
    const path = `/_worker/workers/${encodeURIComponent(this.workerId)}/tasks/next${query}`;
    while (!signal.aborted) {
      if (this.running.size >= this.concurrency) {
        await new Promise<void>((resolve) => {
          this.slotFreed = resolve;
        });
        this.slotFreed = null;
        continue;
      }
      let reply: HttpReply;
      const sent = Date.now();
      try {
        reply = await this.http.request('GET', path, { signal });
      } catch (error) {
        if (signal.aborted) return;
        await this.waitAfter(error, backoff, 'poll', signal);
        continue;
      }
      if (reply.status === 200 && isTask(reply.body)) {
        backoff.reset();
        this.startTask(reply.body);
      } else if (reply.status === 204) {
        // An empty answer that came at once (a draining server, a full worker) must not become a hot loop.
        if (Date.now() - sent < FAST_EMPTY_POLL_MS) await sleep(backoff.next(), signal);
        else backoff.reset();
      } else if (reply.status === 404) {
        try {
          await this.register();
        } catch (error) {
          this.logger.error({ err: describe(error) }, 'registering again failed');
          await sleep(backoff.next(), signal);
        }
      } else {
        await this.waitAfter(reply, backoff, 'poll', signal);
      }
    }
  }

  private startTask(task: Task): void {
    const entry: RunningTask = { task, controller: new AbortController(), cancelled: false };
    this.running.set(task.task_id, entry);
    if (this.earlyCancels.delete(task.task_id)) this.cancel(task.task_id, 'early');
    const done = this.runTask(entry).finally(() => {
      this.running.delete(task.task_id);
      this.taskDone.delete(done);
      this.slotFreed?.();
    });
    this.taskDone.add(done);
  }

  private async runTask(entry: RunningTask): Promise<void> {
    const { task } = entry;
    const fields = { job_id: task.job_id, task_id: task.task_id, type: task.type, attempt: task.attempt };
    this.logger.debug(fields, 'task started');
    const result = await this.execute(entry);
    if (entry.cancelled) {
      // The orchestrator already moved on; a result now would only earn a 409.
      this.logger.debug(fields, 'task cancelled; its result is not posted');
      return;
    }
    const body: ResultBody = { job_id: task.job_id, task_id: task.task_id, worker_id: this.workerId, result };
    await this.postResult(body, fields);
  }

  private async execute({ task, controller }: RunningTask): Promise<WireResult> {
    const handler = this.options.tasks[task.type];
    if (!handler) {
      return { status: 'failure', data: {}, error: { code: 'PERMANENT_ERROR', message: `worker ${this.workerId} has no handler for task type "${task.type}"` } };
    }
    const ctx: TaskContext = {
      signal: controller.signal,
      progress: (value, message) => this.sendProgress(task, value, message),
      attempt: task.attempt,
      jobId: task.job_id,
      taskId: task.task_id,
      workerId: this.workerId,
      logger: this.logger,
    };
    return runHandler(handler, task, ctx);
  }

  private sendProgress(task: Task, value: number, message?: string): void {
    if (!Number.isFinite(value)) {
      this.logger.warn({ job_id: task.job_id, task_id: task.task_id, value }, 'progress dropped: not a finite number');
      return;
    }
    const event = { event: 'progress_update', job_id: task.job_id, task_id: task.task_id, progress: value, ...(message === undefined ? {} : { message }) };
    if (!this.socket?.send(event)) {
      this.logger.debug({ job_id: task.job_id, task_id: task.task_id }, 'progress dropped: the websocket is not open');
    }
  }

  /** Posts until accepted or refused (4xx); a server that is down is waited out. */
  private async postResult(body: ResultBody, fields: object): Promise<void> {
    const backoff = this.newBackoff();
    const signal = this.abandonResults.signal;
    while (!signal.aborted) {
      let reply: HttpReply;
      try {
        reply = await this.http.request('POST', '/_worker/tasks/result', { body, signal });
      } catch (error) {
        if (signal.aborted) break;
        await this.waitAfter(error, backoff, 'result', signal);
        continue;
      }
      if (reply.status >= 200 && reply.status < 300) {
        this.logger.debug({ ...fields, reply: reply.body }, 'result accepted');
        return;
      }
      if (reply.status === 409) {
        this.logger.debug(fields, 'result refused: the task is no longer current (cancelled, timed out or re-queued)');
        return;
      }
      if (!isRetryable(reply.status)) {
        this.logger.warn({ ...fields, status: reply.status }, `result refused: ${replyMessage(reply)}`);
        return;
      }
      await this.waitAfter(reply, backoff, 'result', signal);
    }
    this.logger.error(fields, 'result given up: the orchestrator stayed unreachable past the stop timeout');
  }

  /** Sleeps after a failed call: Retry-After when the server gave one, else the next backoff delay. */
  private async waitAfter(problem: unknown, backoff: Backoff, what: string, signal: AbortSignal): Promise<void> {
    let delay = backoff.next();
    if (isReply(problem)) {
      const retryAfter = Number(problem.headers.get('retry-after'));
      if (Number.isFinite(retryAfter) && retryAfter > 0) delay = Math.max(delay, retryAfter * 1000);
      this.logger.warn({ status: problem.status, retry_in_ms: delay }, `${what}: ${replyMessage(problem)}`);
    } else {
      const level = problem instanceof ServerUnreachableError ? 'warn' : 'error';
      this.logger[level]({ err: describe(problem), retry_in_ms: delay }, `${what} failed`);
    }
    await sleep(delay, signal);
  }

  private newBackoff(): Backoff {
    return new Backoff(this.options.backoff?.initialMs, this.options.backoff?.maxMs);
  }
}

/** Worth retrying: the server is down or busy (5xx, 429) or asks to be retried (408). */
function isRetryable(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

function isReply(value: unknown): value is HttpReply {
  return typeof value === 'object' && value !== null && 'status' in value && 'headers' in value;
}

export function createWorker(options: WorkerOptions): SwitchyardWorker {
  return new SwitchyardWorker(options);
}
