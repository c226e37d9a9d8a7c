/**
 * What the HTTP layer (and the console, docs page and metrics) may ask of the engine. Views are
 * API-shaped (snake_case, ISO times), so handlers only parse, call, and reply. Errors are thrown as the
 * typed errors of src/errors.ts. The implementation is `createEngine` in src/engine/engine.ts.
 */
import type { CompiledBlueprint, GraphOverlay } from '../blueprint/types.js';

// The statuses are the store's (storage may not import the engine); the API shows them as they are.
export { JOB_STATUSES, TERMINAL_JOB_STATUSES as TERMINAL_STATUSES } from '../storage/types.js';
export type { JobStatus } from '../storage/types.js';
import type { JobStatus } from '../storage/types.js';

export const ERROR_CODES = ['TRANSIENT_ERROR', 'PERMANENT_ERROR', 'INVALID_INPUT_ERROR'] as const;

export interface JobErrorView {
  code: string;
  message: string;
  state?: string;
}

export interface CurrentTaskView {
  task_id: string;
  type: string;
  worker_id: string | null;
  attempt: number;
  deadline: string | null;
}

export interface JobView {
  id: string;
  blueprint_name: string;
  blueprint_version: number;
  status: JobStatus;
  current_state: string | null;
  initial_data: Record<string, unknown>;
  state_history: Record<string, unknown>;
  result?: unknown;
  error_message?: string;
  error?: JobErrorView;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
  webhook_url: string | null;
  parent_job_id: string | null;
  child_job_ids: string[];
  current_task: CurrentTaskView | null;
  progress: { progress?: number; message?: string; task_id: string; at: string } | null;
  /** For a job waiting for a decision: the decisions the state offers. */
  decisions?: string[];
  /** For a parallel state: branch counts by status. */
  parallel?: { total: number; by_status: Record<string, number> };
}

export interface HistoryEventView {
  event_id: string;
  job_id: string;
  timestamp: string;
  event_type: string;
  state: string | null;
  [detail: string]: unknown;
}

export interface TaskView {
  job_id: string;
  task_id: string;
  type: string;
  params: Record<string, unknown>;
  priority: number;
  attempt: number;
  deadline: string | null;
  tracing_context: Record<string, unknown>;
  params_metadata: Record<string, unknown>;
}

export interface WorkerRegistration {
  worker_id: string;
  supported_tasks: string[];
  resources?: { cpu_cores?: number; memory_gb?: number; gpu?: { model?: string; vram_gb?: number } };
  models?: string[];
  max_concurrent_tasks?: number;
  /** Unknown fields are kept and shown in the workers list. */
  [extra: string]: unknown;
}

export interface WorkerView {
  worker_id: string;
  supported_tasks: string[];
  resources: Record<string, unknown>;
  status: 'idle' | 'busy';
  current_tasks: string[];
  last_heartbeat: string;
  registered_at: string;
  [extra: string]: unknown;
}

export interface TaskResultInput {
  job_id: string;
  task_id: string;
  worker_id: string;
  status: string; // 'success' when the worker sent none
  data?: Record<string, unknown>;
  error?: { code?: string; message?: string } | null;
}

export type ResultReply =
  | 'result_accepted_success'
  | 'result_accepted_failure'
  | 'result_accepted_cancelled'
  | 'parallel_branch_result_accepted';

export interface Dashboard {
  jobs: Partial<Record<JobStatus, number>>;
  workers: { total: number; idle: number; busy: number };
  queues: Record<string, number>;
  blueprints: string[];
}

export interface JobListFilter {
  client_id?: string;
  status?: JobStatus;
  blueprint?: string;
  /** Substring of the job id. */
  q?: string;
  limit: number;
  cursor?: string;
}

export interface Engine {
  start(): Promise<void>;
  /** Stops timers and answers waiting long-polls with nothing. */
  close(): Promise<void>;

  readonly blueprints: ReadonlyMap<string, CompiledBlueprint>;

  createJob(input: {
    blueprint: string;
    initial_data: Record<string, unknown>;
    webhook_url?: string;
    client_id: string;
    idempotency_key?: string;
  }): Promise<{ job_id: string; created: boolean }>;
  /** `client_id` given: a job of another client is NotFound. */
  getJob(jobId: string, clientId?: string): Promise<JobView>;
  listJobs(filter: JobListFilter): Promise<{ jobs: JobView[]; next_cursor: string | null }>;
  history(jobId: string, clientId?: string): Promise<HistoryEventView[]>;
  cancelJob(jobId: string, clientId?: string): Promise<{ notified_worker: boolean }>;
  decide(jobId: string, decision: string): Promise<void>;
  graphOverlay(jobId: string, clientId?: string): Promise<{ blueprint: string; overlay: GraphOverlay }>;

  registerWorker(registration: WorkerRegistration): Promise<void>;
  /** `update` undefined for an empty-body ping. Replies with the cancelled tasks this worker holds. */
  heartbeat(
    workerId: string,
    update: Record<string, unknown> | undefined,
  ): Promise<{ worker: WorkerView | null; cancelled_tasks: string[] }>;
  /** Long-poll: resolves with a task, or null after `timeoutMs` or when `signal` aborts. */
  nextTask(workerId: string, options: { timeoutMs: number; signal: AbortSignal }): Promise<TaskView | null>;
  /**
   * A task `nextTask` handed out whose response could not be written: back to its queue as the same
   * attempt, if this worker still holds it. Never throws (a store failure is logged, false).
   */
  returnTask(workerId: string, task: { job_id: string; task_id: string }): Promise<boolean>;
  submitResult(result: TaskResultInput): Promise<ResultReply>;
  progress(update: { worker_id: string; job_id: string; task_id: string; progress?: number; message?: string }): Promise<void>;
  listWorkers(): Promise<WorkerView[]>;
  dashboard(): Promise<Dashboard>;
  /** Debug: forget every job, task, worker and timer of this Switchyard (and nothing else). */
  flush(): Promise<void>;
}
