/**
 * The worker side of the HTTP protocol (docs/workers.md), as plain types. The SDK defines its own
 * instead of importing the server's, so it ships without the server.
 */

/** A task as `GET /_worker/workers/{id}/tasks/next` hands it out. */
export interface Task {
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

export interface WorkerResources {
  cpu_cores?: number;
  memory_gb?: number;
  gpu?: { model?: string; vram_gb?: number };
}

export interface RegisterBody {
  worker_id: string;
  supported_tasks: string[];
  max_concurrent_tasks: number;
  capabilities: { websockets: boolean };
  resources?: WorkerResources;
  models?: string[];
  [extra: string]: unknown;
}

export interface WireError {
  code: string;
  message: string;
}

export interface ResultBody {
  job_id: string;
  task_id: string;
  worker_id: string;
  result: { status: string; data: Record<string, unknown>; error: WireError | null };
}

/** Server -> worker over the WebSocket. */
export interface CancelTaskCommand {
  command: 'cancel_task';
  job_id: string;
  task_id: string;
}

/** Worker -> server over the WebSocket. */
export interface ProgressUpdateEvent {
  event: 'progress_update';
  job_id: string;
  task_id: string;
  progress: number;
  message?: string;
}

export function isTask(value: unknown): value is Task {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.job_id === 'string' && typeof v.task_id === 'string' && typeof v.type === 'string';
}

export function isCancelTaskCommand(value: unknown): value is CancelTaskCommand {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return v.command === 'cancel_task' && typeof v.task_id === 'string';
}

/** `cancelled_tasks` of a heartbeat reply; anything malformed reads as none. */
export function cancelledTasksOf(body: unknown): string[] {
  if (typeof body !== 'object' || body === null) return [];
  const list = (body as Record<string, unknown>).cancelled_tasks;
  return Array.isArray(list) ? list.filter((id): id is string => typeof id === 'string') : [];
}
