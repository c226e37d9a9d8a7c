/**
 * The pure core: `transition(compiled, job, event, ctx) -> { job, effects }`. It reads nothing but its
 * arguments and performs no I/O (it is async only because JSONata evaluation is); the engine commits
 * the answer in one compare-and-set store call and performs the effects. Rules violated by the caller
 * (a result from the wrong worker, a decision for a job that is not waiting) are thrown as the typed
 * errors of src/errors.ts, with nothing changed.
 */
import type { CompiledBlueprint, CompiledTaskSpec } from '../blueprint/types.js';
import { BadRequestError, ConflictError, ForbiddenError } from '../errors.js';
import { isTerminalStatus, type JobRecord, type Json, type JsonObject, type TimerRecord } from '../storage/types.js';
import type { ResultReply } from './api.js';
import { ENGINE_ERROR_CODES, isPlainObject, Step, type Failure } from './step.js';
import type { JobEvent, NewJobInput, TaskResultEvent, TransitionContext, TransitionResult } from './transition-types.js';

export type { JobEvent, TransitionContext, TransitionResult } from './transition-types.js';

/** A job as created, before its `start` event: version 0, so the create commit writes version 1. */
export function newJobRecord(input: NewJobInput): JobRecord {
  return {
    id: input.id,
    version: 0,
    client_id: input.client_id,
    blueprint: input.blueprint,
    blueprint_version: input.blueprint_version,
    status: 'pending',
    current_state: null,
    initial_data: structuredClone(input.initial_data),
    state_history: {},
    result: null,
    error: null,
    created_at: input.now,
    updated_at: input.now,
    finished_at: null,
    webhook_url: input.webhook_url,
    parent: input.parent,
    child_job_ids: [],
    progress: null,
    entries: 0,
    active: { kind: 'none' },
    visited: [],
    edge_counts: {},
    failed_state: null,
    applied: [],
    cancelled_task_ids: [],
  };
}

export async function transition(
  compiled: CompiledBlueprint,
  job: JobRecord,
  event: JobEvent,
  ctx: TransitionContext,
): Promise<TransitionResult> {
  const step = new Step(compiled, job, ctx);
  switch (event.type) {
    case 'start':
      step.record('job_created', { blueprint: job.blueprint, blueprint_version: job.blueprint_version }, null);
      await step.enter(compiled.start);
      return done(step);
    case 'task_result':
      return onTaskResult(step, job, event);
    case 'timer':
      return onTimer(step, job, event.timer);
    case 'decision':
      return onDecision(step, job, event.decision);
    case 'cancel':
      if (isTerminalStatus(job.status)) throw new ConflictError(`job ${job.id} has already ended (${job.status}); there is nothing to cancel`, { status: job.status }, 'JOB_ENDED');
      step.end('cancelled', null);
      return done(step);
    case 'progress': {
      const task = step.task(event.task_id);
      if (isTerminalStatus(job.status) || !task) throw new ConflictError(`task ${event.task_id} of job ${job.id} is not running`, undefined, 'TASK_NOT_CURRENT');
      if (task.worker_id !== event.worker_id) throw new ForbiddenError(`worker ${event.worker_id} does not hold task ${event.task_id}`);
      step.job.progress = {
        task_id: event.task_id,
        at: ctx.now,
        ...(event.progress !== undefined ? { progress: event.progress } : {}),
        ...(event.message !== undefined ? { message: event.message } : {}),
      };
      step.record('progress_update', {
        task_id: event.task_id,
        worker_id: event.worker_id,
        ...(event.progress !== undefined ? { progress: event.progress } : {}),
        ...(event.message !== undefined ? { message: event.message } : {}),
      });
      return done(step);
    }
  }
}

function done(step: Step, reply?: ResultReply): TransitionResult {
  step.checkJobData();
  return { job: step.job, effects: step.effects, changed: true, ...(reply ? { reply } : {}) };
}

function unchanged(job: JobRecord, clearTimers: string[] = [], reply?: ResultReply): TransitionResult {
  return {
    job,
    effects: { enqueue: [], withdraw: [], expect_tasks: [], set_timers: [], clear_timers: clearTimers, history: [] },
    changed: false,
    ...(reply ? { reply } : {}),
  };
}

/** Identifies a result body, so that only an identical repeat counts as a repeat. */
export function resultFingerprint(event: TaskResultEvent): string {
  return JSON.stringify([event.status, event.data ?? null, event.error ?? null]);
}

function classify(error: TaskResultEvent['error']): { failure: Failure; kind: 'transient' | 'permanent' | 'invalid' } {
  const code = error?.code ?? 'TRANSIENT_ERROR';
  const failure = { code, message: error?.message ?? `the task failed with ${code}` };
  if (code === 'INVALID_INPUT_ERROR') return { failure, kind: 'invalid' };
  // Unknown codes are treated as transient, the documented default, so a typo is retried, not lost.
  if (code === 'PERMANENT_ERROR' || code === ENGINE_ERROR_CODES.dispatchTimeout) return { failure, kind: 'permanent' };
  return { failure, kind: 'transient' };
}

async function onTaskResult(step: Step, job: JobRecord, event: TaskResultEvent): Promise<TransitionResult> {
  const fingerprint = resultFingerprint(event);
  const applied = job.applied.find((a) => a.task_id === event.task_id);
  if (applied) {
    if (applied.worker_id !== event.worker_id) throw new ForbiddenError(`worker ${event.worker_id} does not hold task ${event.task_id}`);
    if (applied.fingerprint === fingerprint) return unchanged(job, [], applied.reply as ResultReply);
    throw new ConflictError(`a different result for task ${event.task_id} was already applied`, undefined, 'TASK_NOT_CURRENT');
  }
  const task = step.task(event.task_id);
  if (!task) {
    const why = job.cancelled_task_ids.includes(event.task_id)
      ? 'it was cancelled'
      : isTerminalStatus(job.status)
        ? `job ${job.id} has ended (${job.status})`
        : 'it is not current (unknown, re-queued or timed out)';
    throw new ConflictError(`task ${event.task_id} takes no result: ${why}`, { job_id: job.id, task_id: event.task_id }, 'TASK_NOT_CURRENT');
  }
  if (task.status !== 'leased' || task.worker_id !== event.worker_id) {
    throw new ForbiddenError(`worker ${event.worker_id} does not hold task ${event.task_id}`, { task_id: event.task_id });
  }
  step.effects.expect_tasks.push({ task_id: task.task_id, status: 'leased', worker_id: event.worker_id });
  step.withdraw(task.task_id, 'done');
  step.record('task_result', {
    task_id: task.task_id,
    worker_id: event.worker_id,
    attempt: task.attempt,
    status: event.status,
    ...(event.error ? { error: { code: event.error.code ?? 'TRANSIENT_ERROR', message: event.error.message ?? '' } } : {}),
  }, task.state);
  const reply = await applyAttemptOutcome(step, task.branch, task.attempt, task.task_id, {
    status: event.status,
    data: event.data,
    error: event.error,
  });
  step.rememberApplied(task.task_id, event.worker_id, fingerprint, reply);
  return done(step, reply);
}

interface AttemptOutcome {
  status: string;
  data: JsonObject | null;
  error: TaskResultEvent['error'];
  /** Retry at once (a lost worker) instead of after the backoff. */
  immediate?: boolean;
}

/**
 * What an attempt's outcome does to the state that ran it: the shared rules of results, timeouts and
 * lost workers, for a task state (`branch` null) or a parallel branch.
 */
async function applyAttemptOutcome(step: Step, branchIndex: number | null, attempt: number, taskId: string, outcome: AttemptOutcome): Promise<ResultReply> {
  const state = step.state();
  const failed = outcome.status === 'failure';
  if (state?.type === 'parallel' && branchIndex !== null && step.job.active.kind === 'parallel') {
    const branch = step.job.active.branches[branchIndex];
    if (!branch) return 'parallel_branch_result_accepted';
    const spec = step.branchSpec(state, branch);
    if (failed) {
      const { failure, kind } = classify(outcome.error);
      if (step.retryOrGiveUp(spec, attempt, failure, kind === 'transient', branch, outcome.immediate ? 0 : undefined)) {
        return 'parallel_branch_result_accepted';
      }
      branch.status = 'failed';
      branch.task_id = null;
      branch.result = { status: 'failure', data: null, error: { code: failure.code, message: failure.message } };
      if (state.onFailure === 'fail') {
        step.cancelBranches();
        step.fail(ENGINE_ERROR_CODES.parallel, `parallel state "${state.name}": branch ${branch.name} failed with ${failure.code}: ${failure.message}`);
        return 'parallel_branch_result_accepted';
      }
    } else {
      branch.status = 'done';
      branch.task_id = null;
      branch.result = { status: outcome.status, data: outcome.data ?? null, error: null };
    }
    const next = await step.advanceParallel(state);
    if (next !== null) await step.enter(next);
    return 'parallel_branch_result_accepted';
  }

  if (state?.type !== 'task' || step.job.active.kind !== 'task' || step.job.active.task_id !== taskId) {
    // The job moved on in a way the caller did not foresee; the attempt is recorded and changes nothing.
    return failed ? 'result_accepted_failure' : 'result_accepted_success';
  }
  if (failed) {
    const { failure, kind } = classify(outcome.error);
    if (kind === 'invalid') {
      step.fail(failure.code, failure.message);
      return 'result_accepted_failure';
    }
    if (step.retryOrGiveUp(state.spec, attempt, failure, kind === 'transient', null, outcome.immediate ? 0 : undefined)) {
      return 'result_accepted_failure';
    }
    const fallback = failure.code === ENGINE_ERROR_CODES.dispatchTimeout ? 'failed' : 'quarantined';
    await step.taskFailedForGood(state.transitions, failure, fallback);
    return 'result_accepted_failure';
  }
  if (outcome.status === 'cancelled' && state.transitions.cancelled === undefined) {
    step.end('cancelled', null);
    return 'result_accepted_cancelled';
  }
  const target = state.transitions[outcome.status];
  if (target === undefined) {
    step.fail(
      ENGINE_ERROR_CODES.unmappedStatus,
      `task state "${state.name}": the worker answered status "${outcome.status}", which its transitions do not map (mapped: ${Object.keys(state.transitions).join(', ')})`,
    );
    return 'result_accepted_failure';
  }
  if (outcome.data) Object.assign(step.job.state_history, outcome.data);
  await step.enter(target);
  return outcome.status === 'cancelled' ? 'result_accepted_cancelled' : 'result_accepted_success';
}

// ---------- timers ----------

async function onTimer(step: Step, job: JobRecord, timer: TimerRecord): Promise<TransitionResult> {
  const stale = (): TransitionResult => unchanged(job, [timer.id]);
  if (isTerminalStatus(job.status)) return stale();
  step.dropTimer(timer.id);
  switch (timer.kind) {
    case 'dispatch_timeout': {
      const task = timer.task_id ? step.task(timer.task_id) : undefined;
      if (!task || task.status !== 'queued') return stale();
      step.effects.expect_tasks.push({ task_id: task.task_id, status: 'queued' });
      step.withdraw(task.task_id, 'done');
      const spec = specOf(step, task.branch);
      step.record('task_timeout', { task_id: task.task_id, attempt: task.attempt, code: ENGINE_ERROR_CODES.dispatchTimeout, after_ms: spec?.dispatchTimeoutMs ?? null }, task.state);
      await applyAttemptOutcome(step, task.branch, task.attempt, task.task_id, {
        status: 'failure',
        data: null,
        error: { code: ENGINE_ERROR_CODES.dispatchTimeout, message: `no worker took task ${task.type} within its dispatch_timeout of ${spec?.dispatchTimeoutMs ?? '?'} ms` },
      });
      return done(step);
    }
    case 'lease_timeout':
    case 'lease_lost': {
      const task = timer.task_id ? step.task(timer.task_id) : undefined;
      if (!task || task.status !== 'leased') return stale();
      if (timer.kind === 'lease_timeout' && (task.deadline === null || task.deadline > step.now)) return stale();
      const lostWorker = typeof timer.payload.worker_id === 'string' ? timer.payload.worker_id : null;
      if (timer.kind === 'lease_lost' && lostWorker !== null && task.worker_id !== lostWorker) return stale();
      step.effects.expect_tasks.push({ task_id: task.task_id, status: 'leased', ...(task.worker_id ? { worker_id: task.worker_id } : {}) });
      // A worker that went quiet may still be working: tell it to stop (heartbeat list / socket).
      step.withdraw(task.task_id, timer.kind === 'lease_timeout' ? 'cancelled' : 'done');
      const code = timer.kind === 'lease_timeout' ? ENGINE_ERROR_CODES.timeout : ENGINE_ERROR_CODES.workerLost;
      const message =
        timer.kind === 'lease_timeout'
          ? `worker ${task.worker_id} sent no result for task ${task.type} within its timeout of ${task.timeout_ms} ms`
          : `worker ${task.worker_id} expired while holding task ${task.type}`;
      step.record('task_timeout', { task_id: task.task_id, worker_id: task.worker_id, attempt: task.attempt, code }, task.state);
      await applyAttemptOutcome(step, task.branch, task.attempt, task.task_id, {
        status: 'failure',
        data: null,
        error: { code, message },
        immediate: timer.kind === 'lease_lost',
      });
      return done(step);
    }
    case 'retry': {
      if (timer.entry !== job.entries) return stale();
      const branchIndex = typeof timer.payload.branch === 'number' ? timer.payload.branch : null;
      const attempt = typeof timer.payload.attempt === 'number' ? timer.payload.attempt : 2;
      const state = step.state();
      const active = step.job.active;
      if (branchIndex === null) {
        if (state?.type !== 'task' || active.kind !== 'task' || active.retry_timer_id !== timer.id) return stale();
        step.setActive({ kind: 'task', task_id: null, attempt, retry_timer_id: null });
        const task = await step.queueTask(state.spec, attempt, null, null);
        if (task) step.setActive({ kind: 'task', task_id: task.task_id, attempt, retry_timer_id: null });
        return done(step);
      }
      const branch = active.kind === 'parallel' ? active.branches[branchIndex] : undefined;
      if (state?.type !== 'parallel' || !branch || branch.status !== 'running' || branch.task_id !== null || branch.attempt + 1 !== attempt) return stale();
      const task = await step.queueTask(step.branchSpec(state, branch), attempt, branch, state.forEach?.as ?? null);
      if (task) {
        branch.task_id = task.task_id;
        branch.attempt = attempt;
      }
      return done(step);
    }
    case 'approval_timeout': {
      const active = job.active;
      if (timer.entry !== job.entries || active.kind !== 'approval' || active.timer_id !== timer.id) return stale();
      return decide(step, 'timeout', timer.id);
    }
    case 'wait': {
      const state = step.state();
      if (timer.entry !== job.entries || job.active.kind !== 'wait' || job.active.timer_id !== timer.id || state?.type !== 'wait') return stale();
      await step.enter(state.next);
      return done(step);
    }
    case 'child_ended':
      return onChildEnded(step, job, timer);
    default:
      // start_child, cancel_job and webhook act outside this job's graph; the engine handles them.
      return stale();
  }
}

function specOf(step: Step, branchIndex: number | null): CompiledTaskSpec | undefined {
  const state = step.state();
  if (state?.type === 'task') return state.spec;
  if (state?.type === 'parallel' && branchIndex !== null && step.job.active.kind === 'parallel') {
    const branch = step.job.active.branches[branchIndex];
    return branch ? step.branchSpec(state, branch) : undefined;
  }
  return undefined;
}

async function onChildEnded(step: Step, job: JobRecord, timer: TimerRecord): Promise<TransitionResult> {
  const childId = typeof timer.payload.child_id === 'string' ? timer.payload.child_id : '';
  const status = String(timer.payload.status) as 'finished' | 'failed' | 'cancelled' | 'quarantined';
  const active = job.active;
  const state = step.state();
  if (active.kind !== 'child' || active.child_id !== childId || state?.type !== 'blueprint') return unchanged(job, [timer.id]);
  const result = timer.payload.result ?? null;
  const error = isPlainObject(timer.payload.error) ? (timer.payload.error as JsonObject) : null;
  step.record('child_ended', { child_job_id: childId, status, ...(error ? { error } : {}) });
  const target = state.transitions[status];
  if (target === undefined) {
    const why = error && typeof error.message === 'string' ? `: ${error.message}` : '';
    step.fail(
      ENGINE_ERROR_CODES.child,
      `blueprint state "${state.name}": child job ${childId} ended ${status}${why}, and the state has no transitions.${status}`,
    );
    return done(step);
  }
  // A finished child's object result joins state_history, as a task's data does.
  if (status === 'finished' && isPlainObject(result)) Object.assign(step.job.state_history, result as Record<string, Json>);
  await step.enter(target);
  return done(step);
}

// ---------- approvals ----------

async function onDecision(step: Step, job: JobRecord, decision: string): Promise<TransitionResult> {
  const active = job.active;
  if (job.status !== 'waiting_for_human' || active.kind !== 'approval') {
    throw new ConflictError(`job ${job.id} is not waiting for a decision (status ${job.status})`, { status: job.status }, 'NOT_WAITING_FOR_DECISION');
  }
  if (!active.decisions.includes(decision)) {
    throw new BadRequestError(
      `unknown decision "${decision}" for job ${job.id}; allowed: ${active.decisions.join(', ')}`,
      { allowed: active.decisions },
      'UNKNOWN_DECISION',
    );
  }
  return decide(step, decision, active.timer_id);
}

async function decide(step: Step, decision: string, timerId: string | null): Promise<TransitionResult> {
  const state = step.state();
  if (timerId) step.dropTimer(timerId);
  step.record('approval_decided', { decision });
  const target = state?.type === 'approval' ? state.transitions[decision] : undefined;
  if (target === undefined) {
    step.fail(ENGINE_ERROR_CODES.unmappedStatus, `approval state "${step.job.current_state}": no transition for decision "${decision}"`);
    return done(step);
  }
  await step.enter(target);
  return done(step);
}
