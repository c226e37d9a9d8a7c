/**
 * What a task handler is given and may return, and how its outcome (or what it threw) becomes the
 * `result` of `POST /_worker/tasks/result`.
 */
import { toWireError } from './errors.js';
import type { WorkerLogger } from './logger.js';
import type { ResultBody, Task, WireError } from './wire.js';

export interface TaskContext {
  /** Aborts when the task is cancelled (reason: TaskAbortedError 'cancelled') or the worker stops past its timeout. */
  signal: AbortSignal;
  /** Reports progress over the WebSocket; advisory, dropped while the socket is down. */
  progress(value: number, message?: string): void;
  attempt: number;
  jobId: string;
  taskId: string;
  workerId: string;
  logger: WorkerLogger;
}

/** What a handler may return; nothing at all means `{ status: "success" }`. */
export interface TaskOutcome {
  /** A key of the task state's `transitions`; default `success`. */
  status?: string;
  /** Merged into the job's `state_history`. */
  data?: Record<string, unknown>;
  /** With `status: "failure"`: the error to report (default code TRANSIENT_ERROR). */
  error?: Partial<WireError>;
}

export type TaskHandler = (task: Task, ctx: TaskContext) => Promise<TaskOutcome | void> | TaskOutcome | void;

export type WireResult = ResultBody['result'];

/** Runs the handler; never throws: a thrown error becomes a failure with the error's code. */
export async function runHandler(handler: TaskHandler, task: Task, ctx: TaskContext): Promise<WireResult> {
  try {
    const outcome = (await handler(task, ctx)) ?? {};
    const status = outcome.status ?? 'success';
    const error =
      status === 'failure'
        ? { code: outcome.error?.code ?? 'TRANSIENT_ERROR', message: outcome.error?.message ?? 'the task failed' }
        : null;
    return { status, data: outcome.data ?? {}, error };
  } catch (thrown) {
    const error = toWireError(thrown);
    ctx.logger.debug({ job_id: task.job_id, task_id: task.task_id, code: error.code, err: error.message }, 'task failed');
    return { status: 'failure', data: {}, error };
  }
}
