/**
 * A worker that speaks the real HTTP protocol with fetch, one call at a time, so tests control every
 * step (register, poll, post a result) and can misbehave on purpose (post for another worker, post twice).
 *
 *   const worker = new HttpWorker(server, 'w1', ['echo']);
 *   await worker.register();
 *   const task = await worker.poll();            // TaskView, or null after a 204
 *   await worker.succeed(task!, { out: 1 });    // { status: 200, body: { status: 'result_accepted_success' } }
 *   await worker.serve((task) => ({ data: task.params }));   // loop until stop()
 */
import type { TaskView } from '../../src/engine/api.js';
import { httpClient, type HttpClient, type Reply } from './server.js';

export interface Outcome {
  status?: string;
  data?: Record<string, unknown>;
  error?: { code?: string; message?: string };
}

export class HttpWorker {
  readonly http: HttpClient;
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(
    server: { url: string; workerToken: string },
    readonly id: string,
    readonly supportedTasks: string[],
    readonly registration: Record<string, unknown> = {},
    token: string = server.workerToken,
  ) {
    this.http = httpClient(server.url, { 'x-worker-token': token });
  }

  register(): Promise<Reply> {
    return this.http.post('/_worker/workers/register', { worker_id: this.id, supported_tasks: this.supportedTasks, ...this.registration });
  }

  heartbeat(body?: Record<string, unknown>): Promise<Reply<Record<string, unknown>>> {
    return this.http.patch(`/_worker/workers/${this.id}`, body);
  }

  /** One long-poll: the task, or null on 204. Any other status throws. */
  async poll(timeoutSeconds = 2): Promise<TaskView | null> {
    const reply = await this.http.get<TaskView>(`/_worker/workers/${this.id}/tasks/next?timeout=${timeoutSeconds}`);
    if (reply.status === 204) return null;
    if (reply.status !== 200) throw new Error(`poll by ${this.id}: ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body;
  }

  /** Polls until a task comes (or throws after `timeoutMs`). */
  async take(timeoutMs = 10_000): Promise<TaskView> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const task = await this.poll(Math.max(0.1, Math.min(2, (deadline - Date.now()) / 1000)));
      if (task) return task;
    }
    throw new Error(`worker ${this.id} got no task within ${timeoutMs} ms`);
  }

  /** Posts a result in the reference's nested form (`flat: true` for the flat form). */
  result(task: Pick<TaskView, 'job_id' | 'task_id'>, outcome: Outcome, options: { flat?: boolean; workerId?: string } = {}): Promise<Reply<{ status: string; code?: string }>> {
    const ids = { job_id: task.job_id, task_id: task.task_id, worker_id: options.workerId ?? this.id };
    return this.http.post('/_worker/tasks/result', options.flat ? { ...ids, ...outcome } : { ...ids, result: { status: outcome.status ?? 'success', data: outcome.data ?? {}, error: outcome.error ?? null } });
  }

  succeed(task: TaskView, data: Record<string, unknown> = {}): Promise<Reply<{ status: string; code?: string }>> {
    return this.result(task, { status: 'success', data });
  }

  fail(task: TaskView, code: string, message = `${code} from ${this.id}`): Promise<Reply<{ status: string; code?: string }>> {
    return this.result(task, { status: 'failure', error: { code, message } });
  }

  /** Registers, then polls and answers each task with `handler` until `stop()`. */
  serve(handler: (task: TaskView) => Outcome | Promise<Outcome>): void {
    this.running = true;
    this.loop = (async () => {
      await this.register();
      while (this.running) {
        const task = await this.poll(0.5);
        if (task) await this.result(task, await handler(task));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}
