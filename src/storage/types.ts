/**
 * The records that a store keeps. Every record is plain JSON (no Date, Map, undefined-as-meaning or
 * class instances), so the Redis store can keep it as a JSON string and the memory store as a deep copy.
 * Times are epoch milliseconds. Field names are snake_case like the API.
 *
 * Storage knows no blueprints: `JobRecord.active` is the engine's bookkeeping for the state the job is
 * in; a store keeps it as an opaque part of the document.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** Job statuses, as the API shows them (src/engine/api.ts re-exports them). */
export const JOB_STATUSES = [
  'pending',
  'running',
  'waiting_for_worker',
  'waiting_for_human',
  'waiting_for_parallel',
  'waiting_for_child',
  'waiting',
  'finished',
  'failed',
  'cancelled',
  'quarantined',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const TERMINAL_JOB_STATUSES = ['finished', 'failed', 'cancelled', 'quarantined'] as const satisfies readonly JobStatus[];

export function isTerminalStatus(status: JobStatus): boolean {
  return (TERMINAL_JOB_STATUSES as readonly string[]).includes(status);
}

export interface JobError {
  code: string;
  message: string;
  state?: string;
}

/** What a worker offers, normalised by the engine (Avtomatika's gpu_info / installed_models included). */
export interface WorkerMatch {
  gpu?: { model?: string; vram_gb?: number };
  models?: string[];
  cpu_cores?: number;
  memory_gb?: number;
}

/** What a task needs; same shape as `WorkerMatch`. Numbers are minimums, strings equal, gpu.model a substring. */
export type TaskRequires = WorkerMatch;

/** One parallel branch inside `ActiveParallel`. */
export interface BranchRecord {
  index: number;
  name: string;
  /** pending: not queued yet (max_concurrency); running: a task is queued/leased or a retry is pending. */
  status: 'pending' | 'running' | 'done' | 'failed' | 'cancelled';
  task_id: string | null;
  attempt: number;
  /** The for_each item this branch runs with (null for static branches). */
  item: Json;
  result: { status: string; data: JsonObject | null; error: JobError | null } | null;
}

/** The engine's bookkeeping for the state a job is in. Opaque to stores. */
export type ActiveState =
  | { kind: 'none' }
  | { kind: 'task'; task_id: string | null; attempt: number; retry_timer_id: string | null }
  | { kind: 'parallel'; branches: BranchRecord[] }
  | { kind: 'approval'; decisions: string[]; message: Json; timer_id: string | null }
  | { kind: 'child'; child_id: string; timer_id: string }
  | { kind: 'wait'; timer_id: string; until: number };

export interface AppliedResult {
  task_id: string;
  worker_id: string;
  /** A fingerprint of the result body, so only an identical repeat gets the same reply. */
  fingerprint: string;
  reply: string;
}

export interface JobRecord {
  id: string;
  /** Compare-and-set version: 1 after creation, +1 on every commit. */
  version: number;
  client_id: string;
  blueprint: string;
  blueprint_version: number;
  status: JobStatus;
  current_state: string | null;
  initial_data: JsonObject;
  state_history: JsonObject;
  result: Json;
  error: JobError | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
  webhook_url: string | null;
  parent: { job_id: string; state: string; entry: number } | null;
  child_job_ids: string[];
  progress: { progress?: number; message?: string; task_id: string; at: number } | null;
  /** Number of state entries so far (MAX_TRANSITIONS guard); also tags timers so stale ones are ignored. */
  entries: number;
  active: ActiveState;
  /** States visited (in order of first visit), edge counts `from->to`, and the state that failed. */
  visited: string[];
  edge_counts: Record<string, number>;
  failed_state: string | null;
  /** The last results applied (bounded), so an identical repeat gets the same reply and is applied once. */
  applied: AppliedResult[];
  /** Tasks cancelled with the job, answered 409 to a late result. */
  cancelled_task_ids: string[];
}

export const TASK_STATUSES = ['queued', 'leased'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/**
 * A task that is live: on its type's queue (`queued`) or held by a worker (`leased`). A task leaves the
 * store when a job commit withdraws it. Each attempt is a new task with a new id.
 */
export interface TaskRecord {
  task_id: string;
  job_id: string;
  type: string;
  params: JsonObject;
  priority: number;
  requires: TaskRequires | null;
  attempt: number;
  /** The job state that queued it, the job's `entries` at that time, and the parallel branch index. */
  state: string;
  entry: number;
  branch: number | null;
  status: TaskStatus;
  /** Set by the store when it enqueues: FIFO order within a priority. */
  queued_at: number;
  worker_id: string | null;
  leased_at: number | null;
  /** The result deadline once leased (leased_at + timeout_ms), null without a timeout. */
  deadline: number | null;
  /** Result timeout once leased; a claim sets the timer `lease_timer_id` for it. */
  timeout_ms: number | null;
  lease_timer_id: string;
  /** The dispatch-timeout timer, which a claim clears. */
  dispatch_timer_id: string | null;
  /**
   * When that timer is due, fixed when the attempt is first queued (null without a dispatch timeout).
   * Kept on the task because a claim clears the timer and a returned lease must set it again with the
   * ORIGINAL due, so returning a task never extends its dispatch_timeout.
   */
  dispatch_deadline: number | null;
  tracing_context: JsonObject;
  params_metadata: JsonObject;
}

export const TIMER_KINDS = [
  'dispatch_timeout', // a queued task was not taken in time
  'lease_timeout', // a leased task got no result in time
  'lease_lost', // the worker holding a task expired
  'retry', // a retry backoff ended: queue the next attempt
  'approval_timeout',
  'wait',
  'start_child', // create a child job (set by the parent's commit)
  'child_ended', // resume a parent job (set by the child's terminal commit)
  'cancel_job', // cancel a child job (set by the parent's cancel)
  'webhook', // one pending webhook delivery (the outbox)
] as const;
export type TimerKind = (typeof TIMER_KINDS)[number];

/**
 * A deadline kept in the store. `job_id` is the job it acts on. Timers fire at least once; the engine
 * makes each firing take effect once by checking it against the job (`entry`, `task_id`) inside a CAS
 * commit that also clears it.
 */
export interface TimerRecord {
  id: string;
  kind: TimerKind;
  job_id: string;
  due: number;
  entry: number;
  task_id: string | null;
  payload: JsonObject;
}

export interface HistoryEvent {
  event_id: string;
  job_id: string;
  timestamp: number;
  event_type: string;
  state: string | null;
  [detail: string]: Json;
}

/** A registered worker, as the registry keeps it. */
export interface WorkerRecord {
  worker_id: string;
  supported_tasks: string[];
  /** What `requires` is matched against. */
  match: WorkerMatch;
  max_concurrent_tasks: number | null;
  /** The registration as sent (tokens never reach here), shown in the workers list. */
  description: JsonObject;
  registered_at: number;
  last_heartbeat: number;
  /** The worker is gone when `now >= expires_at` (WORKER_TTL after its last sign of life). */
  expires_at: number;
  /** Leased task ids; maintained by the store (claim adds, a commit withdrawing the task removes). */
  current_tasks: string[];
  /** Tasks withdrawn while this worker held them: listed in heartbeat replies. */
  cancelled_tasks: { task_id: string; job_id: string; at: number }[];
}

/** A cancel that must reach the process holding the worker's WebSocket. */
export interface CancelNotice {
  worker_id: string;
  job_id: string;
  task_id: string;
}

/**
 * One pending job webhook: the payload of a `webhook` timer (the outbox). `body` is the exact JSON text
 * that is POSTed (and signed), so every try sends the same bytes.
 */
export interface WebhookDelivery {
  [key: string]: Json;
  delivery_id: string;
  url: string;
  body: string;
  event: string;
  /** Tries made so far. */
  attempts: number;
}
