/**
 * The handlers of the example worker (`switchyard worker --tasks echo,sleep,fail`), for the quick start
 * and the tests. They are not exported from `switchyard/worker`; they show how handlers are written.
 */
import { InvalidInputError, PermanentError, TaskError, TransientError } from './errors.js';
import type { TaskHandler } from './handler.js';

/** Returns its params as data, so they land in the job's state_history. */
export const echo: TaskHandler = (task) => ({ data: { ...task.params } });

/** Waits `params.ms` or `params.seconds`, reporting progress, and stops at once when aborted. */
export const sleep: TaskHandler = async (task, ctx) => {
  const total = durationMs(task.params);
  const step = Math.min(1000, Math.max(50, total / 10));
  const started = Date.now();
  let elapsed = 0;
  while (elapsed < total) {
    await abortableDelay(Math.min(step, total - elapsed), ctx.signal);
    elapsed = Date.now() - started;
    ctx.progress(Math.min(1, elapsed / total), `slept ${Math.min(elapsed, total)} of ${total} ms`);
  }
  return { data: { slept_ms: total } };
};

/**
 * Throws the error class named by `params.code` (transient by default). With `params.fail_times: N`
 * only the first N attempts fail, so retries can be watched succeeding.
 */
export const fail: TaskHandler = (task) => {
  const { fail_times: failTimes, code, message } = task.params;
  if (typeof failTimes === 'number' && task.attempt > failTimes) {
    return { data: { succeeded_on_attempt: task.attempt } };
  }
  const text = typeof message === 'string' ? message : `failing on purpose (attempt ${task.attempt})`;
  throw errorFor(typeof code === 'string' ? code : 'transient', text);
};

export const EXAMPLE_HANDLERS: Readonly<Record<string, TaskHandler>> = { echo, sleep, fail };

function errorFor(code: string, message: string): TaskError {
  switch (code.toLowerCase().replace(/_error$/, '')) {
    case 'transient':
      return new TransientError(message);
    case 'permanent':
      return new PermanentError(message);
    case 'invalid_input':
    case 'invalid':
      return new InvalidInputError(message);
    default:
      return new TaskError(code, message);
  }
}

function durationMs(params: Record<string, unknown>): number {
  const { ms, seconds } = params;
  const value = typeof ms === 'number' ? ms : typeof seconds === 'number' ? seconds * 1000 : 1000;
  if (!Number.isFinite(value) || value < 0) throw new InvalidInputError(`sleep: params.ms/seconds must be a number >= 0, got ${String(ms ?? seconds)}`);
  return value;
}

/** Rejects with the signal's reason when it aborts, so a cancelled sleep ends at once. */
function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
