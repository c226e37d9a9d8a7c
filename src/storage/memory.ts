/**
 * The embedded store: everything in this process's memory, lost on exit. Same semantics as the Redis
 * store (see contracts.ts): records are deep-copied in and out, each method is one atomic step (the
 * methods never await in the middle of a change, so no other call can interleave), claims use a FIFO
 * per task type and priority, and timers and retention use heaps.
 */
import type {
  ClaimResult,
  CommitResult,
  JobChange,
  JobListQuery,
  LoadedJob,
  Notifier,
  Store,
} from './contracts.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { MinHeap } from './heap.js';
import { satisfiesRequires } from './requires-match.js';
import { deepFreeze } from './frozen.js';
import { TaskQueues } from './task-queues.js';
import type {
  CancelNotice,
  HistoryEvent,
  JobRecord,
  JobStatus,
  TaskRecord,
  TimerRecord,
  WorkerRecord,
} from './types.js';

export interface MemoryStoreOptions {
  /** Wall clock for retention (`expire_at`). Defaults to the system clock. */
  clock?: { now(): number };
  /**
   * At most this many ended jobs are kept (MEMORY_MAX_ENDED_JOBS): past it, the job that ended first
   * is forgotten as if its retention had run out. An ended job costs ~3.5 KB of heap, so retention
   * alone (7 days by default) would let a busy process grow without bound. Default 100,000 (~350 MB).
   */
  maxEndedJobs?: number;
}

export const DEFAULT_MAX_ENDED_JOBS = 100_000;

const copy = <T>(value: T): T => structuredClone(value);

interface TimerEntry {
  due: number;
  id: string;
  stamp: number;
}

export function createMemoryStore(options: MemoryStoreOptions = {}): Store {
  // The one place a store reads wall time on its own: retention is wall-clock by definition.
  const clock = options.clock ?? { now: () => Date.now() };

  const jobs = new Map<string, JobRecord>();
  const histories = new Map<string, HistoryEvent[]>();
  const jobTasks = new Map<string, Set<string>>();
  const expiresAt = new Map<string, number>();
  const maxEndedJobs = options.maxEndedJobs ?? DEFAULT_MAX_ENDED_JOBS;
  /** Jobs with a retention time (they have ended), in the order they ended. */
  const ended = new Set<string>();
  const expiryHeap = new MinHeap<{ at: number; id: string }>((a, b) => a.at < b.at);
  const idempotency = new Map<string, string>();
  const idempotencyOfJob = new Map<string, string>();
  const statusCounts = new Map<JobStatus, number>();

  const tasks = new Map<string, TaskRecord>();
  const queues = new TaskQueues();
  const depths = new Map<string, number>();

  const workers = new Map<string, WorkerRecord>();

  const timers = new Map<string, { timer: TimerRecord; stamp: number }>();
  const timerHeap = new MinHeap<TimerEntry>((a, b) => a.due < b.due || (a.due === b.due && a.stamp < b.stamp));
  let nextStamp = 0;

  const queuedListeners = new Set<(taskType: string | null) => void>();
  const cancelListeners = new Set<(notice: CancelNotice) => void>();
  let closed = false;

  const idemKey = (clientId: string, key: string): string => `${clientId}\u0000${key}`;

  function countStatus(status: JobStatus, delta: number): void {
    statusCounts.set(status, (statusCounts.get(status) ?? 0) + delta);
  }

  function purgeExpired(): void {
    const now = clock.now();
    for (let top = expiryHeap.peek(); top && top.at <= now; top = expiryHeap.peek()) {
      expiryHeap.pop();
      if (expiresAt.get(top.id) !== top.at) continue;
      forgetJob(top.id);
    }
  }

  /** Deletes a job and everything of it, as when its retention runs out. */
  function forgetJob(id: string): void {
    const job = jobs.get(id);
    if (job) countStatus(job.status, -1);
    jobs.delete(id);
    histories.delete(id);
    expiresAt.delete(id);
    ended.delete(id);
    for (const taskId of jobTasks.get(id) ?? []) removeTask(taskId, 'done', 0, []);
    jobTasks.delete(id);
    const key = idempotencyOfJob.get(id);
    if (key !== undefined) idempotency.delete(key);
    idempotencyOfJob.delete(id);
  }

  /** An ended job keeps its record and history; its empty task set goes, and the oldest ended jobs past the cap. */
  function noteEnded(id: string): void {
    if (jobTasks.get(id)?.size === 0) jobTasks.delete(id);
    ended.add(id);
    for (const oldest of ended) {
      if (ended.size <= maxEndedJobs) break;
      forgetJob(oldest);
    }
    // Forgotten jobs leave their entries in the expiry heap until their time comes (days): rebuild it
    // from the live entries when the stale ones outnumber them, so the heap stays bounded too.
    if (expiryHeap.size > 2 * expiresAt.size + 1024) {
      expiryHeap.clear();
      for (const [jobId, at] of expiresAt) expiryHeap.push({ at, id: jobId });
    }
  }

  function setTimer(timer: TimerRecord): void {
    const stamp = nextStamp++;
    timers.set(timer.id, { timer: copy(timer), stamp });
    timerHeap.push({ due: timer.due, id: timer.id, stamp });
  }

  function liveWorker(workerId: string, now: number): WorkerRecord | null {
    const worker = workers.get(workerId);
    return worker && worker.expires_at > now ? worker : null;
  }

  function enqueueTask(task: TaskRecord, at: number): void {
    const record: TaskRecord = deepFreeze({ ...task, status: 'queued', worker_id: null, leased_at: null, deadline: null, queued_at: at });
    tasks.set(record.task_id, record);
    let set = jobTasks.get(record.job_id);
    if (!set) jobTasks.set(record.job_id, (set = new Set()));
    set.add(record.task_id);
    queues.push(record.type, record.priority, record.task_id);
    depths.set(record.type, (depths.get(record.type) ?? 0) + 1);
  }

  function removeTask(taskId: string, reason: 'done' | 'cancelled', at: number, cancelled: CancelNotice[]): void {
    const task = tasks.get(taskId);
    if (!task) return;
    tasks.delete(taskId);
    jobTasks.get(task.job_id)?.delete(taskId);
    timers.delete(task.lease_timer_id);
    if (task.dispatch_timer_id) timers.delete(task.dispatch_timer_id);
    if (task.status === 'queued') {
      queues.forget(taskId);
      depths.set(task.type, (depths.get(task.type) ?? 1) - 1);
      return;
    }
    const worker = task.worker_id ? workers.get(task.worker_id) : undefined;
    if (!worker) return;
    worker.current_tasks = worker.current_tasks.filter((id) => id !== taskId);
    if (reason === 'cancelled') {
      worker.cancelled_tasks.push({ task_id: taskId, job_id: task.job_id, at });
      cancelled.push({ worker_id: worker.worker_id, job_id: task.job_id, task_id: taskId });
    }
  }

  function checkChange(change: JobChange): CommitResult | null {
    const current = jobs.get(change.job.id);
    if (change.expected_version === null) {
      if (current) return { ok: false, reason: 'exists' };
      if (change.idempotency) {
        const existing = idempotency.get(idemKey(change.idempotency.client_id, change.idempotency.key));
        if (existing !== undefined) return { ok: false, reason: 'idempotent', job_id: existing };
      }
    } else if (!current || current.version !== change.expected_version) {
      return { ok: false, reason: 'version', current_version: current?.version ?? null };
    }
    if (change.job.version !== (change.expected_version ?? 0) + 1) {
      throw new Error(`job ${change.job.id}: version ${change.job.version} must be expected_version + 1`);
    }
    for (const expectation of change.expect_tasks ?? []) {
      const task = tasks.get(expectation.task_id);
      const holds =
        expectation.status === 'absent'
          ? !task
          : task?.status === expectation.status &&
            (expectation.worker_id === undefined || task.worker_id === expectation.worker_id);
      if (!holds) return { ok: false, reason: 'task_mismatch', task_id: expectation.task_id };
    }
    return null;
  }

  const notifyQueued = (types: Set<string>): void => {
    if (types.size === 0) return;
    // After the commit has returned, as a pub/sub message would arrive.
    queueMicrotask(() => {
      for (const type of types) for (const listener of [...queuedListeners]) listener(type);
    });
  };

  const notifier: Notifier = {
    onTaskQueued(listener) {
      queuedListeners.add(listener);
      return () => queuedListeners.delete(listener);
    },
    async publishCancel(notice) {
      const message = copy(notice);
      queueMicrotask(() => {
        for (const listener of [...cancelListeners]) listener(message);
      });
    },
    onCancel(listener) {
      cancelListeners.add(listener);
      return () => cancelListeners.delete(listener);
    },
  };

  return {
    kind: 'memory',
    notifier,

    jobs: {
      async load(jobId) {
        purgeExpired();
        const job = jobs.get(jobId);
        if (!job) return null;
        const live = [...(jobTasks.get(jobId) ?? [])].map((id) => tasks.get(id)).filter((t): t is TaskRecord => !!t);
        // Stored records are frozen (frozen.ts): handed out as they are, never copied per read.
        return { job, tasks: live };
      },

      async commit(change) {
        purgeExpired();
        const failed = checkChange(change);
        if (failed) return failed;
        // Committed records become the store's, frozen in place: copying them was most of the cost.
        const job = deepFreeze(change.job);
        const previous = jobs.get(job.id);
        if (previous) countStatus(previous.status, -1);
        countStatus(job.status, 1);
        jobs.set(job.id, job);
        if (!histories.has(job.id)) histories.set(job.id, []);
        if (change.idempotency) {
          const key = idemKey(change.idempotency.client_id, change.idempotency.key);
          idempotency.set(key, job.id);
          idempotencyOfJob.set(job.id, key);
        }
        const cancelled: CancelNotice[] = [];
        for (const withdrawal of change.withdraw ?? []) removeTask(withdrawal.task_id, withdrawal.reason, job.updated_at, cancelled);
        const queuedTypes = new Set<string>();
        for (const task of change.enqueue ?? []) {
          enqueueTask(task, job.updated_at);
          queuedTypes.add(task.type);
        }
        for (const id of change.clear_timers ?? []) timers.delete(id);
        for (const timer of change.set_timers ?? []) setTimer(timer);
        histories.get(job.id)!.push(...deepFreeze(change.history ?? []));
        if (change.expire_at !== undefined) {
          expiresAt.set(job.id, change.expire_at);
          expiryHeap.push({ at: change.expire_at, id: job.id });
          noteEnded(job.id);
        }
        notifyQueued(queuedTypes);
        return { ok: true, cancelled };
      },

      async history(jobId) {
        purgeExpired();
        return [...(histories.get(jobId) ?? [])];
      },

      async list(query: JobListQuery) {
        purgeExpired();
        const after = query.cursor ? decodeCursor(query.cursor) : null;
        const matching = [...jobs.values()]
          .filter(
            (job) =>
              (query.client_id === undefined || job.client_id === query.client_id) &&
              (query.status === undefined || job.status === query.status) &&
              (query.blueprint === undefined || job.blueprint === query.blueprint) &&
              (query.id_contains === undefined || job.id.includes(query.id_contains)) &&
              (!after || newerFirst(job, after) > 0),
          )
          .sort(newerFirst);
        const page = matching.slice(0, query.limit);
        const last = page.at(-1);
        const loaded: LoadedJob[] = page.map((job) => ({
          job,
          tasks: [...(jobTasks.get(job.id) ?? [])].map((id) => tasks.get(id)).filter((t): t is TaskRecord => !!t),
        }));
        return {
          jobs: loaded,
          next_cursor: matching.length > query.limit && last ? encodeCursor(last) : null,
        };
      },

      async countByStatus() {
        purgeExpired();
        const counts: Partial<Record<JobStatus, number>> = {};
        for (const [status, count] of statusCounts) if (count > 0) counts[status] = count;
        return counts;
      },
    },

    idempotency: {
      async lookup(clientId, key) {
        purgeExpired();
        return idempotency.get(idemKey(clientId, key)) ?? null;
      },
    },

    tasks: {
      async claimNextTask(workerId, now, options): Promise<ClaimResult> {
        const worker = liveWorker(workerId, now);
        if (!worker) return { outcome: 'unknown_worker' };
        worker.expires_at = Math.max(worker.expires_at, options.alive_until);
        if (worker.max_concurrent_tasks !== null && worker.current_tasks.length >= worker.max_concurrent_tasks) {
          return { outcome: 'at_capacity' };
        }
        const id = queues.best(worker.supported_tasks, (taskId) => {
          const task = tasks.get(taskId);
          return task?.status === 'queued' && satisfiesRequires(worker.match, task.requires);
        });
        const task = id === null ? undefined : tasks.get(id);
        if (!task) return { outcome: 'empty' };
        queues.forget(task.task_id);
        depths.set(task.type, (depths.get(task.type) ?? 1) - 1);
        const deadline = task.timeout_ms === null ? null : now + task.timeout_ms;
        const leased: TaskRecord = Object.freeze({ ...task, status: 'leased', worker_id: workerId, leased_at: now, deadline });
        tasks.set(task.task_id, leased);
        worker.current_tasks.push(task.task_id);
        if (task.dispatch_timer_id) timers.delete(task.dispatch_timer_id);
        if (deadline !== null) {
          setTimer({
            id: task.lease_timer_id,
            kind: 'lease_timeout',
            job_id: task.job_id,
            due: deadline,
            entry: task.entry,
            task_id: task.task_id,
            payload: {},
          });
        }
        histories.get(task.job_id)?.push(Object.freeze({
          event_id: `${task.task_id}:leased`,
          job_id: task.job_id,
          timestamp: now,
          event_type: 'task_leased',
          state: task.state,
          task_id: task.task_id,
          worker_id: workerId,
          attempt: task.attempt,
          type: task.type,
        }));
        return { outcome: 'claimed', task: leased };
      },

      async returnLease(jobId, taskId, workerId, now) {
        const task = tasks.get(taskId);
        if (!task || task.job_id !== jobId || task.status !== 'leased' || task.worker_id !== workerId) return false;
        tasks.set(taskId, Object.freeze({ ...task, status: 'queued', worker_id: null, leased_at: null, deadline: null }));
        const worker = workers.get(workerId);
        if (worker) worker.current_tasks = worker.current_tasks.filter((id) => id !== taskId);
        timers.delete(task.lease_timer_id);
        // The claim cleared the dispatch timer: without it a returned task could wait forever.
        if (task.dispatch_timer_id && task.dispatch_deadline !== null) {
          setTimer({
            id: task.dispatch_timer_id,
            kind: 'dispatch_timeout',
            job_id: task.job_id,
            due: task.dispatch_deadline,
            entry: task.entry,
            task_id: task.task_id,
            payload: {},
          });
        }
        queues.pushFront(task.type, task.priority, task.task_id);
        depths.set(task.type, (depths.get(task.type) ?? 0) + 1);
        histories.get(task.job_id)?.push(Object.freeze({
          event_id: `${task.task_id}:returned`,
          job_id: task.job_id,
          timestamp: now,
          event_type: 'task_returned',
          state: task.state,
          task_id: task.task_id,
          worker_id: workerId,
          attempt: task.attempt,
          type: task.type,
        }));
        notifyQueued(new Set([task.type]));
        return true;
      },

      async depths() {
        const result: Record<string, number> = {};
        for (const [type, depth] of depths) if (depth > 0) result[type] = depth;
        return result;
      },
    },

    workers: {
      async register(worker) {
        const existing = workers.get(worker.worker_id);
        const record = copy(worker);
        if (existing) {
          record.current_tasks = existing.current_tasks;
          record.cancelled_tasks = existing.cancelled_tasks;
        }
        workers.set(record.worker_id, record);
      },

      async heartbeat(workerId, now, options) {
        const worker = liveWorker(workerId, now);
        if (!worker) return null;
        worker.last_heartbeat = now;
        worker.expires_at = options.alive_until;
        if (options.update) {
          worker.description = { ...worker.description, ...copy(options.update) } as WorkerRecord['description'];
          const supported = options.update.supported_tasks;
          if (Array.isArray(supported) && supported.every((t) => typeof t === 'string')) {
            worker.supported_tasks = [...(supported as string[])];
          }
        }
        worker.cancelled_tasks = worker.cancelled_tasks.filter((c) => c.at >= options.forget_cancelled_before);
        return copy(worker);
      },

      async get(workerId, now) {
        const worker = liveWorker(workerId, now);
        return worker ? copy(worker) : null;
      },

      async list(now) {
        return copy([...workers.values()].filter((w) => w.expires_at > now).sort((a, b) => (a.worker_id < b.worker_id ? -1 : 1)));
      },

      async claimExpired(now, limit) {
        const expired: WorkerRecord[] = [];
        for (const worker of workers.values()) {
          if (expired.length >= limit) break;
          if (worker.expires_at <= now) expired.push(worker);
        }
        for (const worker of expired) {
          workers.delete(worker.worker_id);
          for (const taskId of worker.current_tasks) {
            const task = tasks.get(taskId);
            if (!task) continue;
            setTimer({
              id: `${taskId}:lost`,
              kind: 'lease_lost',
              job_id: task.job_id,
              due: now,
              entry: task.entry,
              task_id: taskId,
              payload: { worker_id: worker.worker_id },
            });
          }
        }
        return copy(expired);
      },
    },

    timers: {
      async claimDue(now, limit, leaseMs) {
        const claimed: TimerRecord[] = [];
        while (claimed.length < limit) {
          const top = timerHeap.peek();
          if (!top || top.due > now) break;
          timerHeap.pop();
          const held = timers.get(top.id);
          if (!held || held.stamp !== top.stamp) continue; // replaced or cleared since
          claimed.push(copy(held.timer));
          setTimer({ ...held.timer, due: now + leaseMs });
        }
        return claimed;
      },

      async nextDue() {
        for (let top = timerHeap.peek(); top; top = timerHeap.peek()) {
          const held = timers.get(top.id);
          if (held && held.stamp === top.stamp) return top.due;
          timerHeap.pop();
        }
        return null;
      },

      async set(list) {
        for (const timer of list) setTimer(timer);
      },

      async clear(ids) {
        for (const id of ids) timers.delete(id);
      },

      async settle(timerId, outcome) {
        purgeExpired();
        timers.delete(timerId);
        histories.get(outcome.job_id)?.push(...deepFreeze(outcome.history));
        if (outcome.next) setTimer(outcome.next);
      },
    },

    async start() {
      closed = false;
    },

    async close() {
      if (closed) return;
      closed = true;
      queuedListeners.clear();
      cancelListeners.clear();
    },

    async flush() {
      jobs.clear();
      histories.clear();
      jobTasks.clear();
      expiresAt.clear();
      ended.clear();
      expiryHeap.clear();
      idempotency.clear();
      idempotencyOfJob.clear();
      statusCounts.clear();
      tasks.clear();
      queues.clear();
      depths.clear();
      workers.clear();
      timers.clear();
      timerHeap.clear();
    },
  };
}

/** Newest first: created_at desc, then id desc. Negative when `a` comes before `b`. */
function newerFirst(a: { created_at: number; id: string }, b: { created_at: number; id: string }): number {
  if (a.created_at !== b.created_at) return b.created_at - a.created_at;
  return a.id === b.id ? 0 : a.id < b.id ? 1 : -1;
}
