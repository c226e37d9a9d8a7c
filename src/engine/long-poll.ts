/**
 * `tasks/next`: claim at once, or wait until a task of one of the worker's types is queued (a notice
 * from the store, on any process), the timeout passes, or the request is aborted. Waiting polls sit in
 * `PollWaiters` (see there for who is woken); a poll holds one timer and one abort listener, both
 * removed when it ends, and no store connection while it waits.
 */
import { NotFoundError } from '../errors.js';
import type { Store } from '../storage/contracts.js';
import type { TaskView } from './api.js';
import { PollWaiters } from './poll-waiters.js';
import type { Clock, EngineMetrics } from './ports.js';
import { taskView } from './views.js';

export interface LongPollDeps {
  store: Store;
  clock: Clock;
  metrics: EngineMetrics;
  workerTtlMs: number;
  /** True once the engine is closing: waiting polls answer null. */
  isClosed(): boolean;
  /** A claim is a sign of life of the worker. */
  onClaimed(workerId: string, now: number): void;
}

export interface LongPoll {
  nextTask(workerId: string, opts: { timeoutMs: number; signal: AbortSignal }): Promise<TaskView | null>;
  /** A task of `taskType` was queued; null: anything may have changed. */
  wake(taskType: string | null): void;
  wakeAll(): void;
}

export function createLongPoll(deps: LongPollDeps): LongPoll {
  const { store, clock, metrics } = deps;
  const waiters = new PollWaiters();

  async function claimFor(workerId: string): Promise<{ task: TaskView | null; unknown: boolean; capacity: boolean }> {
    const now = clock.now();
    const claim = await store.tasks.claimNextTask(workerId, now, { alive_until: now + deps.workerTtlMs });
    if (claim.outcome === 'claimed') {
      metrics.taskLeased(claim.task.type);
      deps.onClaimed(workerId, now);
      return { task: taskView(claim.task), unknown: false, capacity: false };
    }
    return { task: null, unknown: claim.outcome === 'unknown_worker', capacity: claim.outcome === 'at_capacity' };
  }

  async function nextTask(workerId: string, opts: { timeoutMs: number; signal: AbortSignal }): Promise<TaskView | null> {
    if (deps.isClosed() || opts.signal.aborted) return null;
    // Fast path, one store call: a task is there.
    const first = await claimFor(workerId);
    if (first.unknown) throw new NotFoundError(`worker "${workerId}" is not registered (or expired); register it with POST /_worker/workers/register`);
    if (first.task || first.capacity || opts.timeoutMs <= 0) return first.task;
    const worker = await store.workers.get(workerId, clock.now());
    if (!worker) throw new NotFoundError(`worker "${workerId}" is not registered (or expired); register it with POST /_worker/workers/register`);
    // Listen before claiming again, so a task queued in between still wakes this poll.
    const waiter = waiters.add(worker.supported_tasks);
    // One timer and one abort listener for the whole poll, both removed in `finally`.
    let over = false;
    let release: (() => void) | null = null;
    const stop = (): void => {
      over = true;
      release?.();
    };
    const timer = setTimeout(stop, opts.timeoutMs);
    opts.signal.addEventListener('abort', stop, { once: true });
    let counted = false;
    let woken = false;
    try {
      for (;;) {
        waiter.woken = false;
        const claimed = await claimFor(workerId);
        if (claimed.unknown) throw new NotFoundError(`worker "${workerId}" is not registered (or expired); register it again`);
        if (claimed.task) {
          // More tasks may be waiting: pass the wake-up on.
          waiters.remove(waiter);
          for (const type of worker.supported_tasks) waiters.wakeOne(type);
          return claimed.task;
        }
        if (claimed.capacity || over || deps.isClosed()) return null;
        // Woken for a task this worker could not take (or another got first): let the next waiter try.
        if (woken) for (const type of worker.supported_tasks) waiters.wakeOne(type, waiter.hops + 1, waiter);
        woken = false;
        if (waiter.woken) {
          // A task was queued while this claim ran: claim again before sleeping.
          woken = true;
          continue;
        }
        if (!counted) {
          counted = true;
          metrics.pollWaiting(1);
        }
        await new Promise<void>((resolve) => {
          release = resolve;
          waiter.wake = () => resolve();
        });
        release = null;
        waiter.wake = null;
        if (over || deps.isClosed()) return null;
        woken = true;
      }
    } finally {
      clearTimeout(timer);
      opts.signal.removeEventListener('abort', stop);
      waiters.remove(waiter);
      if (counted) metrics.pollWaiting(-1);
    }
  }

  return {
    nextTask,
    wake(taskType) {
      if (taskType === null) waiters.wakeAll();
      else waiters.wakeOne(taskType);
    },
    wakeAll() {
      waiters.wakeAll();
    },
  };
}
