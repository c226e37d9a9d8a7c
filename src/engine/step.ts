/**
 * One transition step in progress: a working copy of the job plus the effects gathered so far, and the
 * rules for entering each state type, queueing tasks, retrying, and ending the job. Pure: time, ids
 * and randomness come from the context; nothing here performs I/O.
 */
import { evaluateTemplate } from '../blueprint/template.js';
import type {
  CompiledBlueprint,
  CompiledParallelState,
  CompiledState,
  CompiledTaskSpec,
  Expression,
  Template,
} from '../blueprint/types.js';
import type {
  ActiveState,
  BranchRecord,
  HistoryEvent,
  JobError,
  JobRecord,
  JobStatus,
  Json,
  JsonObject,
  TaskRecord,
  TimerRecord,
  WebhookDelivery,
} from '../storage/types.js';
import { retryDelayMs } from './backoff.js';
import { JOB_DATA_LIMIT, jobDataProblem } from './job-data-limit.js';
import type { Effects, TransitionContext, WebhookBody } from './transition-types.js';

/** Error codes the engine itself gives (besides the workers' TRANSIENT/PERMANENT/INVALID_INPUT). */
export const ENGINE_ERROR_CODES = {
  expression: 'EXPRESSION_ERROR',
  unmappedStatus: 'UNMAPPED_STATUS',
  maxTransitions: 'MAX_TRANSITIONS',
  dispatchTimeout: 'DISPATCH_TIMEOUT',
  timeout: 'TIMEOUT_ERROR',
  workerLost: 'WORKER_LOST',
  endState: 'FAILED_BY_BLUEPRINT',
  noChoice: 'NO_CHOICE_MATCHED',
  badValue: 'INVALID_VALUE',
  child: 'CHILD_JOB_ENDED',
  parallel: 'PARALLEL_BRANCH_FAILED',
  fanOut: 'FAN_OUT_LIMIT',
} as const;

const APPLIED_KEPT = 50;

/** How a failed attempt is handled when it is not retried. */
type FailureFallback = 'quarantined' | 'failed';

export interface Failure {
  code: string;
  message: string;
}

/**
 * The job a step changes: a new top-level object with new copies of exactly the parts a step changes
 * in place (state_history and edge_counts keys, the visited / child / cancelled lists, parallel
 * branches). Everything else is shared with the loaded record, which stays untouched: the memory
 * store hands out frozen records (src/storage/frozen.ts). A deep structuredClone here cost ~4 µs per
 * transition (docs/benchmarks.md); a step that mutated a shared part would throw on a frozen record.
 */
function workingCopy(job: JobRecord): JobRecord {
  const active = job.active;
  return {
    ...job,
    state_history: { ...job.state_history },
    edge_counts: { ...job.edge_counts },
    visited: [...job.visited],
    child_job_ids: [...job.child_job_ids],
    cancelled_task_ids: [...job.cancelled_task_ids],
    active: active.kind === 'parallel' ? { ...active, branches: active.branches.map((branch) => ({ ...branch })) } : active,
  };
}

export class Step {
  readonly job: JobRecord;
  readonly effects: Effects = { enqueue: [], withdraw: [], expect_tasks: [], set_timers: [], clear_timers: [], history: [] };
  private readonly compiled: CompiledBlueprint;
  private readonly ctx: TransitionContext;

  constructor(compiled: CompiledBlueprint, job: JobRecord, ctx: TransitionContext) {
    this.compiled = compiled;
    this.job = workingCopy(job);
    this.ctx = ctx;
    this.job.version = job.version + 1;
    this.job.updated_at = ctx.now;
  }

  get now(): number {
    return this.ctx.now;
  }

  get ended(): boolean {
    return ['finished', 'failed', 'cancelled', 'quarantined'].includes(this.job.status);
  }

  state(name: string | null = this.job.current_state): CompiledState | undefined {
    return name === null ? undefined : this.compiled.states.get(name);
  }

  task(taskId: string): TaskRecord | undefined {
    return this.ctx.tasks.find((t) => t.task_id === taskId);
  }

  // ---------- history ----------

  record(eventType: string, details: Record<string, Json> = {}, state: string | null = this.job.current_state): void {
    const event: HistoryEvent = {
      ...details,
      event_id: `${this.job.id}:${this.job.version}:${this.effects.history.length}`,
      job_id: this.job.id,
      timestamp: this.ctx.now,
      event_type: eventType,
      state,
    };
    this.effects.history.push(event);
  }

  rememberApplied(taskId: string, workerId: string, fingerprint: string, reply: string): void {
    this.job.applied = [...this.job.applied, { task_id: taskId, worker_id: workerId, fingerprint, reply }].slice(-APPLIED_KEPT);
  }

  // ---------- expressions ----------

  scope(extra: Record<string, unknown> = {}): Record<string, unknown> {
    const active = this.job.active;
    return {
      initial_data: this.job.initial_data,
      state_history: this.job.state_history,
      job: {
        id: this.job.id,
        blueprint: this.job.blueprint,
        version: this.job.blueprint_version,
        state: this.job.current_state,
        attempt: active.kind === 'task' ? active.attempt : 1,
      },
      ...extra,
    };
  }

  /** Evaluates; an error fails the job naming the state and expression, and answers undefined. */
  async evaluate(template: Template, extra?: Record<string, unknown>): Promise<{ ok: true; value: unknown } | { ok: false }> {
    try {
      return { ok: true, value: await evaluateTemplate(template, this.scope(extra)) };
    } catch (error) {
      this.expressionFailed(error);
      return { ok: false };
    }
  }

  async evaluateExpression(expression: Expression, extra?: Record<string, unknown>): Promise<{ ok: true; value: unknown } | { ok: false }> {
    return this.evaluate({ kind: 'expression', expression }, extra);
  }

  private expressionFailed(error: unknown): void {
    const reason = error instanceof Error ? error.message : String(error);
    this.fail(ENGINE_ERROR_CODES.expression, `state "${this.job.current_state}": ${reason}`);
  }

  // ---------- entering states ----------

  /** Enters `name` (coming from the current state) and runs states until one waits or the job ends. */
  async enter(name: string): Promise<void> {
    let next: string | null = name;
    while (next !== null && !this.ended) {
      const from = this.job.current_state;
      this.job.entries += 1;
      if (this.job.entries > this.ctx.maxTransitions) {
        this.fail(
          ENGINE_ERROR_CODES.maxTransitions,
          `the job made more than ${this.ctx.maxTransitions} state entries (MAX_TRANSITIONS); it stopped before entering "${next}" from "${from}" — is there a loop without an exit?`,
        );
        return;
      }
      const tooBig = jobDataProblem(this.job, this.ctx.maxJobDataBytes);
      if (tooBig) {
        this.fail(JOB_DATA_LIMIT, `${tooBig}, before entering "${next}"`);
        return;
      }
      const state = this.state(next);
      if (!state) {
        this.fail(ENGINE_ERROR_CODES.badValue, `state "${from}" leads to "${next}", which blueprint ${this.compiled.name} v${this.compiled.version} does not have`);
        return;
      }
      if (from !== null && this.job.entries > 1) {
        const edge = `${from}->${next}`;
        this.job.edge_counts[edge] = (this.job.edge_counts[edge] ?? 0) + 1;
      }
      if (!this.job.visited.includes(next)) this.job.visited.push(next);
      this.job.current_state = next;
      this.job.active = { kind: 'none' };
      this.job.status = 'running';
      this.record('state_entered', { type: state.type, ...(from !== null && this.job.entries > 1 ? { from } : {}) });
      next = await this.run(state);
    }
  }

  /** Runs one state; answers the next state to enter at once, or null when the job waits or ended. */
  private async run(state: CompiledState): Promise<string | null> {
    switch (state.type) {
      case 'task': {
        const task = await this.queueTask(state.spec, 1, null, null);
        if (!task) return null;
        this.job.active = { kind: 'task', task_id: task.task_id, attempt: 1, retry_timer_id: null };
        this.job.status = 'waiting_for_worker';
        return null;
      }
      case 'choice': {
        for (const choice of state.choices) {
          const verdict = await this.evaluateExpression(choice.when);
          if (!verdict.ok) return null;
          if (verdict.value === true) return choice.next;
        }
        if (state.otherwise !== undefined) return state.otherwise;
        this.fail(ENGINE_ERROR_CODES.noChoice, `choice state "${state.name}": no "when" was true and there is no "otherwise"`);
        return null;
      }
      case 'set': {
        for (const [key, template] of state.values) {
          const value = await this.evaluate(template);
          if (!value.ok) return null;
          this.job.state_history[key] = toJson(value.value);
        }
        return state.next;
      }
      case 'wait': {
        let due = this.now + (state.durationMs ?? 0);
        if (state.until) {
          const until = await this.evaluateExpression(state.until);
          if (!until.ok) return null;
          const at = typeof until.value === 'number' ? until.value : typeof until.value === 'string' ? Date.parse(until.value) : NaN;
          if (!Number.isFinite(at)) {
            this.fail(ENGINE_ERROR_CODES.badValue, `wait state "${state.name}": "until" gave ${JSON.stringify(until.value)}, not an ISO 8601 time`);
            return null;
          }
          due = at;
        }
        if (due <= this.now) return state.next;
        const timer = this.timer('wait', `${this.job.id}:wait:${this.job.entries}`, due);
        this.job.active = { kind: 'wait', timer_id: timer.id, until: due };
        this.job.status = 'waiting';
        return null;
      }
      case 'approval': {
        let message: Json = null;
        if (state.message) {
          const value = await this.evaluate(state.message);
          if (!value.ok) return null;
          message = toJson(value.value);
        }
        let timerId: string | null = null;
        if (state.timeoutMs !== undefined) {
          timerId = this.timer('approval_timeout', `${this.job.id}:approval:${this.job.entries}`, this.now + state.timeoutMs).id;
        }
        this.job.active = { kind: 'approval', decisions: Object.keys(state.transitions), message, timer_id: timerId };
        this.job.status = 'waiting_for_human';
        return null;
      }
      case 'blueprint': {
        const input = await this.evaluate(state.initialData);
        if (!input.ok) return null;
        if (!isPlainObject(input.value)) {
          this.fail(ENGINE_ERROR_CODES.badValue, `blueprint state "${state.name}": initial_data gave ${JSON.stringify(input.value)}, not an object`);
          return null;
        }
        const childId = this.ctx.newId();
        const timer = this.timer('start_child', `${childId}:start`, this.now, null, {
          child_id: childId,
          blueprint: state.blueprint,
          initial_data: toJson(input.value),
          client_id: this.job.client_id,
          parent_state: state.name,
          parent_entry: this.job.entries,
        });
        this.job.child_job_ids.push(childId);
        this.job.active = { kind: 'child', child_id: childId, timer_id: timer.id };
        this.job.status = 'waiting_for_child';
        this.record('child_started', { child_job_id: childId, blueprint: state.blueprint });
        return null;
      }
      case 'parallel':
        return this.startParallel(state);
      case 'end': {
        let result: Json = null;
        if (state.result) {
          const value = await this.evaluate(state.result);
          if (!value.ok) return null;
          result = toJson(value.value);
        }
        if (state.status === 'failed') {
          let message = `the job ended in failed state "${state.name}"`;
          if (state.error) {
            const value = await this.evaluate(state.error);
            if (!value.ok) return null;
            if (value.value !== undefined && value.value !== null) message = typeof value.value === 'string' ? value.value : JSON.stringify(value.value);
          }
          this.job.result = result;
          this.end('failed', { code: ENGINE_ERROR_CODES.endState, message, state: state.name });
        } else {
          this.job.result = result;
          this.end('finished', null);
        }
        return null;
      }
    }
  }

  // ---------- tasks ----------

  /** Queues one attempt of a task spec; null when its params failed (the job has failed then). */
  async queueTask(spec: CompiledTaskSpec, attempt: number, branch: BranchRecord | null, as: string | null): Promise<TaskRecord | null> {
    const extra = branch && as ? { [as]: branch.item } : {};
    const params = await this.evaluate(spec.params, extra);
    if (!params.ok) return null;
    if (!isPlainObject(params.value)) {
      this.fail(ENGINE_ERROR_CODES.badValue, `state "${this.job.current_state}": params gave ${JSON.stringify(params.value)}, not an object`);
      return null;
    }
    const taskId = this.ctx.newId();
    const task: TaskRecord = {
      task_id: taskId,
      job_id: this.job.id,
      type: spec.task,
      params: toJson(params.value) as JsonObject,
      priority: spec.priority,
      requires: spec.requires ? (structuredClone(spec.requires) as TaskRecord['requires']) : null,
      attempt,
      state: this.job.current_state ?? '',
      entry: this.job.entries,
      branch: branch ? branch.index : null,
      status: 'queued',
      queued_at: this.now,
      worker_id: null,
      leased_at: null,
      deadline: null,
      timeout_ms: spec.timeoutMs ?? null,
      lease_timer_id: `${taskId}:lease`,
      dispatch_timer_id: spec.dispatchTimeoutMs !== undefined ? `${taskId}:dispatch` : null,
      dispatch_deadline: spec.dispatchTimeoutMs !== undefined ? this.now + spec.dispatchTimeoutMs : null,
      tracing_context: { job_id: this.job.id, task_id: taskId },
      params_metadata: {},
    };
    if (task.dispatch_timer_id !== null && task.dispatch_deadline !== null) {
      this.timer('dispatch_timeout', task.dispatch_timer_id, task.dispatch_deadline, taskId);
    }
    this.effects.enqueue.push(task);
    this.record('task_queued', {
      task_id: taskId,
      type: spec.task,
      attempt,
      priority: spec.priority,
      ...(branch ? { branch: branch.name } : {}),
    });
    return task;
  }

  /** Takes a live task out of the store with this commit (or drops it if it was queued in this step). */
  withdraw(taskId: string, reason: 'done' | 'cancelled'): void {
    const queuedNow = this.effects.enqueue.findIndex((t) => t.task_id === taskId);
    if (queuedNow >= 0) {
      const [task] = this.effects.enqueue.splice(queuedNow, 1);
      if (task?.dispatch_timer_id) this.dropTimer(task.dispatch_timer_id);
      return;
    }
    if (!this.effects.withdraw.some((w) => w.task_id === taskId)) this.effects.withdraw.push({ task_id: taskId, reason });
  }

  /**
   * A failed attempt of the task (or branch) whose spec is `spec`: retried after a backoff while
   * attempts remain and the failure is transient, else handed to `onFinal`.
   */
  retryOrGiveUp(spec: CompiledTaskSpec, attempt: number, failure: Failure, transient: boolean, branch: BranchRecord | null, delayMs?: number): boolean {
    if (!transient || attempt >= spec.retry.maxAttempts) return false;
    const delay = delayMs ?? retryDelayMs(spec.retry, attempt, this.ctx.random());
    const timerId = `${this.job.id}:retry:${this.job.entries}:${branch ? branch.index : 'task'}:${attempt + 1}`;
    this.timer('retry', timerId, this.now + delay, null, { branch: branch ? branch.index : null, attempt: attempt + 1 });
    this.record('task_retry', {
      ...(branch ? { branch: branch.name } : {}),
      failed_attempt: attempt,
      next_attempt: attempt + 1,
      max_attempts: spec.retry.maxAttempts,
      delay_ms: delay,
      error: { code: failure.code, message: failure.message },
    });
    if (branch) {
      branch.status = 'running';
      branch.task_id = null;
    } else if (this.job.active.kind === 'task') {
      this.job.active = { kind: 'task', task_id: null, attempt: this.job.active.attempt, retry_timer_id: timerId };
    }
    return true;
  }

  /** A task state's attempt failed for good: `transitions.failure` if any, else `fallback`. */
  async taskFailedForGood(transitions: Readonly<Record<string, string>>, failure: Failure, fallback: FailureFallback): Promise<void> {
    const target = transitions.failure;
    if (target !== undefined) {
      await this.enter(target);
      return;
    }
    const state = this.job.current_state ?? undefined;
    this.end(fallback, { code: failure.code, message: failure.message, ...(state !== undefined ? { state } : {}) });
  }

  // ---------- parallel ----------

  private async startParallel(state: CompiledParallelState): Promise<string | null> {
    let branches: BranchRecord[];
    if (state.forEach) {
      const items = await this.evaluateExpression(state.forEach.items);
      if (!items.ok) return null;
      const list = items.value === undefined ? [] : items.value;
      if (!Array.isArray(list)) {
        this.fail(ENGINE_ERROR_CODES.badValue, `parallel state "${state.name}": for_each gave ${JSON.stringify(list)}, not an array`);
        return null;
      }
      const limit = this.ctx.maxFanOut ?? Infinity;
      if (list.length > limit) {
        this.fail(ENGINE_ERROR_CODES.fanOut, `parallel state "${state.name}": for_each gave ${list.length} items, more than MAX_FAN_OUT (${limit})`);
        return null;
      }
      branches = list.map((item, index) => blankBranch(index, `${state.forEach!.as}[${index}]`, toJson(item)));
    } else {
      branches = (state.branches ?? []).map((b, index) => blankBranch(index, b.name, null));
    }
    this.job.active = { kind: 'parallel', branches };
    this.job.status = 'waiting_for_parallel';
    return this.advanceParallel(state);
  }

  branchSpec(state: CompiledParallelState, branch: BranchRecord): CompiledTaskSpec {
    return state.forEach ? state.forEach.spec : state.branches![branch.index]!;
  }

  /**
   * Starts pending branches up to max_concurrency; when every branch has ended, writes the results in
   * item order into `into` and answers `next`.
   */
  async advanceParallel(state: CompiledParallelState): Promise<string | null> {
    const active = this.job.active;
    if (active.kind !== 'parallel') return null;
    const limit = state.maxConcurrency ?? Infinity;
    let running = active.branches.filter((b) => b.status === 'running').length;
    for (const branch of active.branches) {
      if (running >= limit) break;
      if (branch.status !== 'pending') continue;
      const task = await this.queueTask(this.branchSpec(state, branch), 1, branch, state.forEach?.as ?? null);
      if (!task) return null;
      branch.status = 'running';
      branch.task_id = task.task_id;
      branch.attempt = 1;
      running++;
    }
    if (active.branches.some((b) => b.status === 'pending' || b.status === 'running')) return null;
    this.job.state_history[state.into] = active.branches.map((b) => ({
      status: b.result?.status ?? b.status,
      data: b.result?.data ?? null,
      error: (b.result?.error ?? null) as Json,
    }));
    return state.next;
  }

  /** Ends every branch that is still going (their tasks are withdrawn and their workers told). */
  cancelBranches(): void {
    const active = this.job.active;
    if (active.kind !== 'parallel') return;
    for (const branch of active.branches) {
      if (branch.status !== 'pending' && branch.status !== 'running') continue;
      if (branch.task_id) {
        this.withdraw(branch.task_id, 'cancelled');
        this.job.cancelled_task_ids.push(branch.task_id);
      }
      branch.status = 'cancelled';
      branch.task_id = null;
    }
  }

  // ---------- timers ----------

  timer(kind: TimerRecord['kind'], id: string, due: number, taskId: string | null = null, payload: JsonObject = {}, jobId = this.job.id): TimerRecord {
    const timer: TimerRecord = { id, kind, job_id: jobId, due, entry: this.job.entries, task_id: taskId, payload };
    this.effects.set_timers = this.effects.set_timers.filter((t) => t.id !== id);
    this.effects.set_timers.push(timer);
    return timer;
  }

  dropTimer(id: string): void {
    const before = this.effects.set_timers.length;
    this.effects.set_timers = this.effects.set_timers.filter((t) => t.id !== id);
    if (before === this.effects.set_timers.length && !this.effects.clear_timers.includes(id)) this.effects.clear_timers.push(id);
  }

  // ---------- ending ----------

  fail(code: string, message: string, state: string | null = this.job.current_state): void {
    this.end('failed', { code, message, ...(state !== null ? { state } : {}) });
  }

  /**
   * Ends the job: withdraws its live tasks (telling workers), cancels a running child, clears its
   * timers, records the last event, and queues the webhook and the parent's wake-up as timers due now.
   */
  end(status: 'finished' | 'failed' | 'cancelled' | 'quarantined', error: JobError | null): void {
    if (this.ended) return;
    const active = this.job.active;
    this.cancelBranches();
    for (const task of this.ctx.tasks) {
      if (this.effects.withdraw.some((w) => w.task_id === task.task_id)) continue;
      this.withdraw(task.task_id, 'cancelled');
      if (!this.job.cancelled_task_ids.includes(task.task_id)) this.job.cancelled_task_ids.push(task.task_id);
    }
    for (const task of [...this.effects.enqueue]) this.withdraw(task.task_id, 'cancelled');
    for (const timer of [...this.effects.set_timers]) {
      if (timer.job_id === this.job.id && timer.kind !== 'start_child') this.dropTimer(timer.id);
    }
    if (active.kind === 'approval' && active.timer_id) this.dropTimer(active.timer_id);
    if (active.kind === 'wait') this.dropTimer(active.timer_id);
    if (active.kind === 'task' && active.retry_timer_id) this.dropTimer(active.retry_timer_id);
    if (active.kind === 'child') {
      this.timer('cancel_job', `${active.child_id}:cancel`, this.now, null, {}, active.child_id);
    }
    this.job.status = status;
    this.job.error = error;
    this.job.finished_at = this.now;
    this.job.active = { kind: 'none' };
    if (status !== 'finished') this.job.failed_state = error?.state ?? this.job.current_state;
    if (status === 'cancelled') this.job.failed_state = null;
    const event = `job_${status}` as const;
    this.record(event, {
      status,
      ...(status === 'finished' ? { result: this.job.result } : {}),
      ...(error ? { error: { ...error } } : {}),
    });
    if (this.job.webhook_url) this.queueWebhook(event);
    if (this.job.parent) {
      const parent = this.job.parent;
      this.timer('child_ended', `${this.job.id}:ended`, this.now, null, {
        child_id: this.job.id,
        status,
        result: this.job.result,
        error: error ? { ...error } : null,
        parent_state: parent.state,
        parent_entry: parent.entry,
      }, parent.job_id);
    }
  }

  private queueWebhook(event: string): void {
    const body: WebhookBody = {
      event,
      job_id: this.job.id,
      status: this.job.status,
      result: this.job.result,
      error: this.job.error ? { ...this.job.error } : null,
      timestamp: new Date(this.now).toISOString(),
    };
    const delivery: WebhookDelivery = {
      delivery_id: `${this.job.id}:${event}`,
      url: this.job.webhook_url ?? '',
      body: JSON.stringify(body),
      event,
      attempts: 0,
    };
    this.timer('webhook', `${this.job.id}:webhook:${event}`, this.now, null, delivery);
  }

  /** Fails a job still going whose data passed MAX_JOB_DATA (job-data-limit.ts). */
  checkJobData(): void {
    const problem = this.ended ? undefined : jobDataProblem(this.job, this.ctx.maxJobDataBytes);
    if (problem) this.fail(JOB_DATA_LIMIT, problem);
  }

  setStatus(status: JobStatus): void {
    this.job.status = status;
  }

  setActive(active: ActiveState): void {
    this.job.active = active;
  }
}

function blankBranch(index: number, name: string, item: Json): BranchRecord {
  return { index, name, status: 'pending', task_id: null, attempt: 0, item, result: null };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Expression values are JSON already (evaluateTemplate normalises); undefined becomes null. */
export function toJson(value: unknown): Json {
  return value === undefined ? null : (value as Json);
}
