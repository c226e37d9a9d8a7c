/**
 * Store records -> the API-shaped views of api.ts (snake_case, ISO 8601 times). Views never carry
 * engine bookkeeping (`active`, `applied`) or anything secret.
 */
import type { CompiledBlueprint, GraphOverlay } from '../blueprint/types.js';
import type { LoadedJob } from '../storage/contracts.js';
import type { HistoryEvent, TaskRecord, WorkerRecord } from '../storage/types.js';
import type { CurrentTaskView, HistoryEventView, JobView, TaskView, WorkerView } from './api.js';

const iso = (ms: number): string => new Date(ms).toISOString();

export function jobView({ job, tasks }: LoadedJob): JobView {
  const active = job.active;
  let current: TaskRecord | undefined;
  if (active.kind === 'task' && active.task_id) current = tasks.find((t) => t.task_id === active.task_id);
  if (active.kind === 'parallel') current = tasks.find((t) => t.status === 'leased') ?? tasks[0];
  const view: JobView = {
    id: job.id,
    blueprint_name: job.blueprint,
    blueprint_version: job.blueprint_version,
    status: job.status,
    current_state: job.current_state,
    initial_data: job.initial_data,
    state_history: job.state_history,
    created_at: iso(job.created_at),
    updated_at: iso(job.updated_at),
    finished_at: job.finished_at === null ? null : iso(job.finished_at),
    webhook_url: job.webhook_url,
    parent_job_id: job.parent?.job_id ?? null,
    child_job_ids: job.child_job_ids,
    current_task: current ? currentTaskView(current) : null,
    progress: job.progress
      ? {
          task_id: job.progress.task_id,
          at: iso(job.progress.at),
          ...(job.progress.progress !== undefined ? { progress: job.progress.progress } : {}),
          ...(job.progress.message !== undefined ? { message: job.progress.message } : {}),
        }
      : null,
  };
  if (job.status === 'finished') view.result = job.result;
  if (job.error && (job.status === 'failed' || job.status === 'quarantined')) {
    view.error = { ...job.error };
    view.error_message = job.error.message;
  }
  if (active.kind === 'approval') view.decisions = active.decisions;
  if (active.kind === 'parallel') {
    const byStatus: Record<string, number> = {};
    for (const branch of active.branches) byStatus[branch.status] = (byStatus[branch.status] ?? 0) + 1;
    view.parallel = { total: active.branches.length, by_status: byStatus };
  }
  return view;
}

function currentTaskView(task: TaskRecord): CurrentTaskView {
  return {
    task_id: task.task_id,
    type: task.type,
    worker_id: task.worker_id,
    attempt: task.attempt,
    deadline: task.deadline === null ? null : iso(task.deadline),
  };
}

export function taskView(task: TaskRecord): TaskView {
  return {
    job_id: task.job_id,
    task_id: task.task_id,
    type: task.type,
    params: task.params,
    priority: task.priority,
    attempt: task.attempt,
    deadline: task.deadline === null ? null : iso(task.deadline),
    tracing_context: task.tracing_context,
    params_metadata: task.params_metadata,
  };
}

export function historyView(event: HistoryEvent): HistoryEventView {
  return { ...event, timestamp: iso(event.timestamp) };
}

/** Fields of a registration that the view sets itself (they never come from the description). */
const OWN_FIELDS = new Set(['worker_id', 'supported_tasks', 'resources', 'status', 'current_tasks', 'last_heartbeat', 'registered_at', 'token', 'worker_token']);

export function workerView(worker: WorkerRecord): WorkerView {
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(worker.description)) if (!OWN_FIELDS.has(key)) extra[key] = value;
  const resources = worker.description.resources;
  return {
    ...extra,
    worker_id: worker.worker_id,
    supported_tasks: worker.supported_tasks,
    resources: typeof resources === 'object' && resources !== null && !Array.isArray(resources) ? resources : {},
    status: worker.current_tasks.length > 0 ? 'busy' : 'idle',
    current_tasks: worker.current_tasks,
    last_heartbeat: iso(worker.last_heartbeat),
    registered_at: iso(worker.registered_at),
  };
}

export function graphOverlayOf(job: LoadedJob['job'], _compiled?: CompiledBlueprint): GraphOverlay {
  const ended = ['finished', 'failed', 'cancelled', 'quarantined'].includes(job.status);
  return {
    visited: [...job.visited],
    ...(job.current_state !== null && !ended ? { current: job.current_state } : {}),
    ...(job.failed_state !== null && (job.status === 'failed' || job.status === 'quarantined') ? { failed: job.failed_state } : {}),
    edgeCounts: { ...job.edge_counts },
  };
}
