/**
 * Errors a task handler throws to say how its task failed. The worker turns each into
 * `{ status: "failure", error: { code, message } }`; the orchestrator decides what the code means:
 * TRANSIENT_ERROR is retried, PERMANENT_ERROR goes to the state's `failure` transition (else the job is
 * quarantined), INVALID_INPUT_ERROR fails the job at once. Any other thrown value counts as transient.
 */
export class TaskError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class TransientError extends TaskError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TRANSIENT_ERROR', message, options);
  }
}

export class PermanentError extends TaskError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PERMANENT_ERROR', message, options);
  }
}

export class InvalidInputError extends TaskError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_INPUT_ERROR', message, options);
  }
}

/** The orchestrator refused the worker itself (bad token, invalid registration): retrying will not help. */
export class WorkerRejectedError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'WorkerRejectedError';
  }
}

/** The `reason` of a task's AbortSignal, so a handler can tell a cancel from a shutdown. */
export class TaskAbortedError extends Error {
  constructor(readonly why: 'cancelled' | 'worker_stopping') {
    super(why === 'cancelled' ? 'the task was cancelled' : 'the worker is stopping');
    this.name = 'TaskAbortedError';
  }
}

/** Maps anything a handler threw to the wire error of a failed result. */
export function toWireError(thrown: unknown): { code: string; message: string } {
  if (thrown instanceof TaskError) return { code: thrown.code, message: thrown.message };
  if (thrown instanceof Error) return { code: 'TRANSIENT_ERROR', message: thrown.message || thrown.name };
  return { code: 'TRANSIENT_ERROR', message: String(thrown) };
}
