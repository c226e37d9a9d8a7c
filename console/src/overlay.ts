/**
 * Pure functions from a job and its history to what the job page draws: which states were visited,
 * where the job is now, where it failed, how often each edge was taken, how long each state took, and
 * the branches of a parallel state. Pure (no DOM, no fetch) so they are unit-tested in Node.
 */
import type { HistoryEventView, JobView } from './types.js';

export interface JobOverlay {
  visited: string[];
  current?: string;
  failed?: string;
  /** The state a cancelled job stopped in. */
  stopped?: string;
  /** `from->to` -> times taken. */
  edgeCounts: Record<string, number>;
}

const TERMINAL = new Set(['finished', 'failed', 'cancelled', 'quarantined']);

export function isTerminal(status: string): boolean {
  return TERMINAL.has(status);
}

function enteredStates(history: readonly HistoryEventView[]): string[] {
  return history.filter((e) => e.event_type === 'state_entered' && typeof e.state === 'string').map((e) => e.state as string);
}

export function deriveOverlay(job: JobView, history: readonly HistoryEventView[]): JobOverlay {
  const path = enteredStates(history);
  // The job view may be newer than the history we hold: its current state counts as entered.
  if (job.current_state && path[path.length - 1] !== job.current_state) path.push(job.current_state);
  const edgeCounts: Record<string, number> = {};
  for (let i = 1; i < path.length; i++) {
    const key = `${path[i - 1]}->${path[i]}`;
    edgeCounts[key] = (edgeCounts[key] ?? 0) + 1;
  }
  const overlay: JobOverlay = { visited: [...new Set(path)], edgeCounts };
  if (job.status === 'failed' || job.status === 'quarantined') {
    const failed = job.error?.state ?? job.current_state ?? undefined;
    if (failed) overlay.failed = failed;
  } else if (job.status === 'cancelled') {
    if (job.current_state) overlay.stopped = job.current_state;
  } else if (!isTerminal(job.status) && job.current_state) {
    overlay.current = job.current_state;
  }
  return overlay;
}

export interface StateSpan {
  state: string;
  startedAt: string;
  /** Milliseconds in the state; up to `now` while the job is still in it. */
  durationMs: number;
  open: boolean;
}

/** One span per entry into a state, in order (a loop gives several spans for one state). */
export function stateSpans(job: JobView, history: readonly HistoryEventView[], now: number): StateSpan[] {
  const entries = history.filter((e) => e.event_type === 'state_entered' && typeof e.state === 'string');
  const end = job.finished_at ? Date.parse(job.finished_at) : isTerminal(job.status) ? Date.parse(job.updated_at) : now;
  return entries.map((e, i) => {
    const start = Date.parse(e.timestamp);
    const next = entries[i + 1];
    const stop = next ? Date.parse(next.timestamp) : end;
    return { state: e.state as string, startedAt: e.timestamp, durationMs: Math.max(0, stop - start), open: !next && !isTerminal(job.status) };
  });
}

export interface BranchRow {
  key: string;
  label: string;
  status: string;
  taskId: string | null;
  workerId: string | null;
  attempt: number | null;
  updatedAt: string;
}

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null;
}

/** What an event says about the branch it belongs to. */
function branchStatus(event: HistoryEventView): string | null {
  switch (event.event_type) {
    case 'task_queued':
      return 'queued';
    case 'task_leased':
      return 'running';
    case 'task_retry':
      return 'retrying';
    case 'task_result':
    case 'branch_result':
    case 'parallel_branch_result': {
      const status = str(event.status) ?? str((event.result as { status?: unknown } | undefined)?.status);
      return status === 'failure' ? 'failed' : (status ?? 'success');
    }
    case 'task_cancelled':
    case 'task_withdrawn':
      return 'cancelled';
    case 'task_timeout':
      return 'timed_out';
    default:
      return null;
  }
}

/**
 * The branches of a parallel state from the job's history: one row per branch, with its latest
 * status. `task_queued` and `task_retry` name the branch; the lease and result events carry only the
 * task id, which the queued event tied to its branch.
 */
export function parallelBranches(history: readonly HistoryEventView[], state: string): BranchRow[] {
  const rows = new Map<string, BranchRow>();
  const branchOfTask = new Map<string, string>();
  for (const event of history) {
    if (event.state !== state) continue;
    const status = branchStatus(event);
    if (!status) continue;
    const taskId = str(event.task_id);
    const named = str(event.branch);
    if (named !== null && taskId !== null) branchOfTask.set(taskId, named);
    const key = named ?? (taskId !== null ? (branchOfTask.get(taskId) ?? taskId) : null);
    if (key === null) continue;
    const previous = rows.get(key);
    rows.set(key, {
      key,
      label: key,
      status,
      taskId: taskId ?? previous?.taskId ?? null,
      workerId: str(event.worker_id) ?? (status === 'queued' ? null : (previous?.workerId ?? null)),
      attempt: typeof event.attempt === 'number' ? event.attempt : (previous?.attempt ?? null),
      updatedAt: event.timestamp,
    });
  }
  return [...rows.values()];
}
