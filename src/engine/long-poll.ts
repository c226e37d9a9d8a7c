/**
 * `tasks/next`: claim at once, or wait until a task of one of the worker's types is queued (a notice
 * from the store, on any process), the timeout passes, or the request is aborted. Waiting polls sit in
 * `PollWaiters` (see there for who is woken); a poll holds one timer and one abort listener, both
 * removed when it ends, and no store connection while it waits.
 *
 * A claim cannot be called back once it is sent to the store, so a claim that returns after its poll
 * was aborted (client gone, server draining) would lease a task that nobody will ever receive: with no
 * `timeout` and a live worker, the job would wait forever. Such a task goes straight back to its queue
 * as the same attempt (`returnLease`), and the poll answers null.
 */
import { NotFoundError } from '../errors.js';
import type { Store } from '../storage/contracts.js';
import type { TaskView } from './api.js';
import { PollWaiters } from './poll-waiters.js';
import type { Clock, EngineLogger, EngineMetrics } from './ports.js';
import { taskView } from './views.js';

export interface LongPollDeps {
  store: Store;
  clock: Clock;
  metrics: EngineMetrics;
  logger: EngineLogger;
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
  /**
   * Puts back a task claimed for this worker that could not be delivered (its response was never
   * written). False when the worker no longer holds it, or the store failed (logged; the lease then
   * ends as any lease does: result timeout or worker expiry).
   */
  giveBack(workerId: string, task: { job_id: string; task_id: string }): Promise<boolean>;
}

export function createLongPoll(deps: LongPollDeps): LongPoll {
  const { store, clock, metrics } = deps;
  const waiters = new PollWaiters();

  async function giveBack(workerId: string, task: { job_id: string; task_id: string }): Promise<boolean> {
    try {
      const returned = await store.tasks.returnLease(task.job_id, task.task_id, workerId, clock.now());
      if (returned) deps.logger.info({ worker_id: workerId, job_id: task.job_id, task_id: task.task_id }, 'task returned to its queue: its poll could not be answered');
      return returned;
    } catch (error) {
      deps.logger.error({ err: error, worker_id: workerId, job_id: task.job_id, task_id: task.task_id }, 'could not return an undelivered task to its queue');
      return false;
    }
  }

  async function claimFor(workerId: string, signal: AbortSignal): Promise<{ task: TaskView | null; unknown: boolean; capacity: boolean }> {
    const now = clock.now();
    const claim = await store.tasks.claimNextTask(workerId, now, { alive_until: now + deps.workerTtlMs });
    if (claim.outcome === 'claimed' && signal.aborted) {
      // The poll ended while the claim was in flight: nobody will receive this task. The store's
      // queued notice may reach this poll's own waiter first, so the caller wakes another one after
      // removing it (see `nextTask`).
      await giveBack(workerId, claim.task);
      return { task: null, unknown: false, capacity: false };
    }
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
    const first = await claimFor(workerId, opts.signal);
    if (first.unknown) throw new NotFoundError(`worker "${workerId}" is not registered (or expired); register it with POST /_worker/workers/register`);
    if (first.task || first.capacity || opts.timeoutMs <= 0 || opts.signal.aborted) return first.task;
    const worker = await store.workers.get(workerId, clock.now());
    if (!worker) throw new NotFoundError(`worker "${workerId}" is not registered (or expired); register it with POST /_worker/workers/register`);
    // The abort listener is not attached yet: an abort during the awaits above would never be seen,
    // and the poll would wait as a zombie that the next task wakes and claims for nobody.
    if (opts.signal.aborted) return null;
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
    let delivered = false;
    try {
      for (;;) {
        waiter.woken = false;
        const claimed = await claimFor(workerId, opts.signal);
        if (claimed.unknown) throw new NotFoundError(`worker "${workerId}" is not registered (or expired); register it again`);
        if (claimed.task) {
          // More tasks may be waiting: pass the wake-up on.
          waiters.remove(waiter);
          for (const type of worker.supported_tasks) waiters.wakeOne(type);
          delivered = true;
          return claimed.task;
        }
        if (claimed.capacity || over || opts.signal.aborted || deps.isClosed()) return null;
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
      // A poll that ends without a task may have taken a wake-up meant for a task (one it gave back,
      // or one queued as it timed out or went away): hand it to the next waiter, which claims or
      // passes it on in turn.
      if (!delivered && (waiter.woken || opts.signal.aborted)) for (const type of worker.supported_tasks) waiters.wakeOne(type);
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
    giveBack,
  };
}
