/**
 * The inputs and outputs of the pure transition step (transition.ts). An event happens to one job; the
 * step answers the job's next document and the effects to commit with it in one store call.
 */
import type { TaskExpectation, TaskWithdrawal } from '../storage/contracts.js';
import type { HistoryEvent, JobRecord, Json, JsonObject, TaskRecord, TimerRecord } from '../storage/types.js';
import type { ResultReply } from './api.js';

export interface TransitionContext {
  /** Epoch ms of this step; the only time the step knows. */
  readonly now: number;
  /** A fresh unique id (task ids, child job ids). */
  newId(): string;
  /** A number in [0, 1) for retry jitter. */
  random(): number;
  /** State entries allowed per job (MAX_TRANSITIONS). */
  readonly maxTransitions: number;
  /** Branches one `for_each` may start (MAX_FAN_OUT); no limit when absent. */
  readonly maxFanOut?: number;
  /** Bytes of data one job may keep (MAX_JOB_DATA, job-data-limit.ts); no limit when absent. */
  readonly maxJobDataBytes?: number;
  /** The job's live tasks, as loaded with it. */
  readonly tasks: readonly TaskRecord[];
}

export interface TaskResultEvent {
  type: 'task_result';
  task_id: string;
  worker_id: string;
  status: string;
  data: JsonObject | null;
  error: { code?: string; message?: string } | null;
}

export type JobEvent =
  /** The job was just created (by `newJobRecord`): enter its start state. */
  | { type: 'start' }
  | TaskResultEvent
  | { type: 'timer'; timer: TimerRecord }
  | { type: 'decision'; decision: string }
  | { type: 'cancel' }
  | { type: 'progress'; worker_id: string; task_id: string; progress?: number; message?: string };

export interface Effects {
  enqueue: TaskRecord[];
  withdraw: TaskWithdrawal[];
  expect_tasks: TaskExpectation[];
  set_timers: TimerRecord[];
  clear_timers: string[];
  history: HistoryEvent[];
}

export interface TransitionResult {
  job: JobRecord;
  effects: Effects;
  /**
   * false when the event changed nothing (a stale timer, an identical repeat of a result): the engine
   * commits nothing and only clears `effects.clear_timers`.
   */
  changed: boolean;
  /** For a task result: the reply to the worker. */
  reply?: ResultReply;
}

export interface NewJobInput {
  id: string;
  blueprint: string;
  blueprint_version: number;
  client_id: string;
  initial_data: JsonObject;
  webhook_url: string | null;
  parent: JobRecord['parent'];
  now: number;
}

/** The body POSTed to a job's webhook_url. */
export interface WebhookBody {
  event: string;
  job_id: string;
  status: string;
  result: Json;
  error: Json;
  timestamp: string;
}
