/**
 * The store contracts. The memory store (memory.ts) and the Redis store (redis.ts) implement them with
 * the same semantics, proved by one contract suite (test/storage/contract.ts). These comments are the spec.
 *
 * Rules for every implementation:
 * - Every method is async. Records are READ-ONLY on both sides of the boundary: a job, task or history
 *   record given to `commit` (or `settle`) belongs to the store from then on, and records handed out
 *   must not be changed; callers build new objects instead. The memory store freezes committed
 *   records in place and hands out those same objects (no copy per commit or read), so a mutation
 *   throws; the Redis store serialises what it is given and hands out fresh parses. Either way a
 *   mutation never changes what is stored.
 * - All changes to ONE job (its document, the tasks it queues or withdraws, the timers it sets or clears,
 *   its history and its webhook outbox) are ONE `JobStore.commit`, guarded by the job's version
 *   (compare-and-set). In Redis that is one Lua script.
 * - A store never reads a clock for decisions the engine makes: `now` comes in as an argument. The only
 *   clock a store uses on its own is for retention (`expire_at`), which is wall-clock time.
 * - Round trips per single-task job: create = 1 commit; poll = 1 `claimNextTask`; result = 1 `load` +
 *   1 `commit`. Keep it so.
 */
import type {
  CancelNotice,
  HistoryEvent,
  JobRecord,
  JobStatus,
  TaskRecord,
  TimerRecord,
  WorkerRecord,
} from './types.js';

// ---------- Jobs ----------

/** A job with its live tasks (queued or leased), read together in one round trip. */
export interface LoadedJob {
  job: JobRecord;
  tasks: TaskRecord[];
}

/** A precondition on a task of the job, checked inside the commit. */
export interface TaskExpectation {
  task_id: string;
  /** `absent`: the task is not in the store (never was, or was withdrawn). */
  status: 'queued' | 'leased' | 'absent';
  /** For `leased`: the worker that must hold it. */
  worker_id?: string;
}

/** A task to withdraw from the queue or from the worker that holds it. */
export interface TaskWithdrawal {
  task_id: string;
  /**
   * `done`: its result arrived or it timed out; `cancelled`: if a worker holds it, the store adds
   * `{ task_id, job_id, at: job.updated_at }` to that worker's `cancelled_tasks` and reports it in
   * `CommitResult.cancelled`.
   */
  reason: 'done' | 'cancelled';
}

export interface JobChange {
  /** The new document. Its `version` must be `expected_version + 1` (1 when creating). */
  job: JobRecord;
  /** null: create; fails with `exists` when a job with this id is already stored. */
  expected_version: number | null;
  /** Checked before anything is written; any that does not hold fails the commit with `task_mismatch`. */
  expect_tasks?: TaskExpectation[];
  /**
   * Tasks to put on the queue of their type. The store sets `status: 'queued'`, `worker_id: null`,
   * `leased_at: null`, `deadline: null` and `queued_at` = `job.updated_at`; order within one priority is
   * the order of commits (and of this array), whatever `queued_at` says. A commit that queues tasks
   * publishes a task-queued notice per type (see `Notifier.onTaskQueued`) after it is durable.
   */
  enqueue?: TaskRecord[];
  /**
   * Tasks to remove wherever they are (queue or lease; a leased one also leaves its worker's
   * `current_tasks`), clearing their `dispatch_timer_id` and `lease_timer_id` timers. Unknown ids are ignored.
   */
  withdraw?: TaskWithdrawal[];
  /** Timers to set (an existing id is replaced) and to clear (unknown ids are ignored). Clears happen first. */
  set_timers?: TimerRecord[];
  clear_timers?: string[];
  /** Appended to the job's history in order. */
  history?: HistoryEvent[];
  /** Create only: claims `(client_id, key)`; fails with `idempotent` (naming the first job) when taken. */
  idempotency?: { client_id: string; key: string };
  /**
   * Wall-clock time after which the job, its history and its idempotency key are deleted (set when the
   * job ends: finished_at + JOB_RETENTION). Until then everything reads as usual.
   */
  expire_at?: number;
}

export type CommitResult =
  | { ok: true; cancelled: CancelNotice[] }
  | { ok: false; reason: 'version'; current_version: number | null }
  | { ok: false; reason: 'exists' }
  | { ok: false; reason: 'task_mismatch'; task_id: string }
  | { ok: false; reason: 'idempotent'; job_id: string };

export interface JobListQuery {
  client_id?: string;
  status?: JobStatus;
  blueprint?: string;
  /** Substring of the job id. */
  id_contains?: string;
  /** 1..1000 */
  limit: number;
  /** Opaque; from a previous page's `next_cursor`. One this store did not make: `BadRequestError` (code INVALID_CURSOR). */
  cursor?: string;
}

export interface JobStore {
  /** One job with its live tasks, or null when unknown (or expired). */
  load(jobId: string): Promise<LoadedJob | null>;
  /**
   * Applies a `JobChange` atomically: every check first (version, `exists`, `expect_tasks`,
   * idempotency), then every write, or nothing at all.
   */
  commit(change: JobChange): Promise<CommitResult>;
  /** The job's history, oldest first; [] for an unknown job. */
  history(jobId: string): Promise<HistoryEvent[]>;
  /**
   * Jobs matching every given filter, newest first (`created_at` desc, then id desc), `limit` at a
   * time. `next_cursor` is null on the last page. Jobs created after the first page do not appear on
   * later pages and no job appears twice.
   */
  list(query: JobListQuery): Promise<{ jobs: LoadedJob[]; next_cursor: string | null }>;
  /** Number of stored jobs per status (statuses with no job may be left out). */
  countByStatus(): Promise<Partial<Record<JobStatus, number>>>;
}

export interface IdempotencyStore {
  /** The job id first created with `(client_id, key)`, or null. Keys live as long as their job. */
  lookup(clientId: string, key: string): Promise<string | null>;
}

// ---------- Tasks ----------

export type ClaimResult =
  | { outcome: 'claimed'; task: TaskRecord }
  | { outcome: 'empty' }
  /** The worker holds `max_concurrent_tasks` tasks already. */
  | { outcome: 'at_capacity' }
  | { outcome: 'unknown_worker' };

export interface TaskQueue {
  /**
   * Hands the best fitting queued task to this worker, atomically (two concurrent claims never get the
   * same task). Candidates: queued tasks whose `type` is in the worker's `supported_tasks` and whose
   * `requires` the worker's `match` satisfies (numbers: worker value >= required; strings: equal, except
   * `gpu.model`, which the worker's model must contain, ignoring case; arrays such as `models`: every
   * item present; a requirement the worker does not state is not met; see requires-match.ts).
   * Best: highest `priority`, then first queued. Unknown or expired (`expires_at <= now`) worker:
   * `unknown_worker`. With `max_concurrent_tasks` reached: `at_capacity`.
   *
   * On success, in the same atomic step: the task becomes `leased` to the worker with `leased_at = now`
   * and `deadline = now + timeout_ms` (null without a timeout); the worker's `current_tasks` gains it and
   * its `expires_at` becomes `alive_until`; the timer `dispatch_timer_id` is cleared; with a timeout the
   * timer `{ id: lease_timer_id, kind: 'lease_timeout', job_id, due: deadline, entry, task_id, payload: {} }`
   * is set; and the history event `{ event_id: task_id + ':leased', job_id, timestamp: now,
   * event_type: 'task_leased', state, task_id, worker_id, attempt, type }` is appended to the job.
   */
  claimNextTask(workerId: string, now: number, options: { alive_until: number }): Promise<ClaimResult>;
  /**
   * Undoes a claim whose task never reached the worker (its poll was aborted or its response could not
   * be written), atomically and only while `workerId` still holds the task: the task becomes `queued`
   * again as the SAME attempt (`worker_id`, `leased_at`, `deadline` null; `queued_at` kept), it is
   * claimed before any task of its priority queued after it, it leaves the worker's `current_tasks`,
   * its `lease_timer_id` timer is cleared, its dispatch timer (cleared by the claim) is set again with
   * its ORIGINAL due: `{ id: dispatch_timer_id, kind: 'dispatch_timeout', job_id, due: dispatch_deadline,
   * entry, task_id, payload: {} }` when both are non-null (a due already past fires at once),
   * the history event `{ event_id: task_id + ':returned', job_id, timestamp: now, event_type:
   * 'task_returned', state, task_id, worker_id, attempt, type }` is appended, and a task-queued notice
   * is published for its type. Returns false (and changes nothing) when the task is gone, queued, or
   * held by another worker.
   */
  returnLease(jobId: string, taskId: string, workerId: string, now: number): Promise<boolean>;
  /** Queued tasks per type (types with none may be left out). */
  depths(): Promise<Record<string, number>>;
}

// ---------- Workers ----------

export interface WorkerRegistry {
  /**
   * Stores the worker's description, replacing an earlier one; `current_tasks` and `cancelled_tasks` of
   * a worker that is still registered are kept (the store ignores the ones passed in then).
   */
  register(worker: WorkerRecord): Promise<void>;
  /**
   * A sign of life: sets `last_heartbeat = now` and `expires_at = alive_until`; with `update`, merges
   * it shallowly into `description` (and `supported_tasks` when it holds an array of strings). Drops
   * `cancelled_tasks` entries older than `forget_cancelled_before`. Returns the worker after the update,
   * or null when it is not registered (or has expired).
   */
  heartbeat(
    workerId: string,
    now: number,
    options: { alive_until: number; update?: Record<string, unknown>; forget_cancelled_before: number },
  ): Promise<WorkerRecord | null>;
  /** One worker, or null when unknown or expired at `now`. */
  get(workerId: string, now: number): Promise<WorkerRecord | null>;
  /** Live workers (`expires_at > now`), by worker id. */
  list(now: number): Promise<WorkerRecord[]>;
  /**
   * Removes up to `limit` workers with `expires_at <= now`, atomically (each is returned to exactly one
   * caller), and for each task they held sets the timer `{ id: task_id + ':lost', kind: 'lease_lost',
   * job_id, due: now, entry: task.entry, task_id, payload: { worker_id } }` in the same step, so a crash
   * of the caller loses nothing. The tasks stay leased until the job's commit withdraws them.
   */
  claimExpired(now: number, limit: number): Promise<WorkerRecord[]>;
}

// ---------- Timers ----------

export interface TimerStore {
  /**
   * Timers with `due <= now`, earliest first, at most `limit`. Each returned timer is leased: its `due`
   * becomes `now + lease_ms` in the store, so no other caller gets it until then; the caller clears it
   * (in the job's commit or with `clear`) once handled, and if the caller dies it fires again later.
   * Concurrent callers get disjoint sets.
   */
  claimDue(now: number, limit: number, leaseMs: number): Promise<TimerRecord[]>;
  /** The earliest `due` of any timer, or null. */
  nextDue(): Promise<number | null>;
  /** Sets timers outside a job commit (an existing id is replaced). */
  set(timers: TimerRecord[]): Promise<void>;
  clear(timerIds: string[]): Promise<void>;
  /**
   * Settles one try of a timer's work in one step: appends `history` to the job (skipped when the job
   * no longer exists), then clears the timer, or replaces it with `next` when given.
   */
  settle(timerId: string, outcome: { job_id: string; history: HistoryEvent[]; next?: TimerRecord }): Promise<void>;
}

// ---------- Cross-process notices ----------

export interface Notifier {
  /**
   * Called on every process (this one included) after a commit queued tasks: at least once per task
   * type that the commit queued (one notice may stand for several tasks of that type). `null` means
   * "anything may have changed" (after a pub/sub reconnect): re-check every queue. Returns an unsubscribe.
   */
  onTaskQueued(listener: (taskType: string | null) => void): () => void;
  /** Asks every process to tell the worker over its WebSocket, where it holds one. */
  publishCancel(notice: CancelNotice): Promise<void>;
  onCancel(listener: (notice: CancelNotice) => void): () => void;
}

// ---------- The whole store ----------

export interface Store {
  readonly kind: 'memory' | 'redis';
  readonly jobs: JobStore;
  readonly idempotency: IdempotencyStore;
  readonly tasks: TaskQueue;
  readonly workers: WorkerRegistry;
  readonly timers: TimerStore;
  readonly notifier: Notifier;
  /** Connects (Redis) and starts background work; idempotent. */
  start(): Promise<void>;
  /** Stops listeners and closes connections; idempotent. */
  close(): Promise<void>;
  /** Forgets every job, task, worker, timer, history and idempotency key of this store, nothing else. */
  flush(): Promise<void>;
}
