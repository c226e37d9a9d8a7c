/**
 * Drives the pure transition step without a store: keeps a job and its live tasks, applies events,
 * and mimics what a store does with effects (queue, withdraw, lease). Tests of transition rules use it
 * so that each one reads as a short story.
 */
import type { CompiledBlueprint } from '../../src/blueprint/types.js';
import { newJobRecord, transition } from '../../src/engine/transition.js';
import type { JobEvent, TransitionResult } from '../../src/engine/transition.js';
import type { HistoryEvent, JobRecord, JsonObject, TaskRecord, TimerRecord } from '../../src/storage/types.js';
import { T0, sequentialIds } from './fixtures.js';

export class PureSim {
  job: JobRecord;
  tasks: TaskRecord[] = [];
  timers = new Map<string, TimerRecord>();
  history: HistoryEvent[] = [];
  last!: TransitionResult;
  now = T0;
  random = 0.5;
  maxTransitions = 1000;
  maxFanOut = 10_000;
  private readonly ids = sequentialIds('t');

  constructor(
    readonly compiled: CompiledBlueprint,
    initialData: JsonObject = {},
    options: { webhook_url?: string; parent?: JobRecord['parent'] } = {},
  ) {
    this.job = newJobRecord({
      id: 'job-1',
      blueprint: compiled.name,
      blueprint_version: compiled.version,
      client_id: 'c1',
      initial_data: initialData,
      webhook_url: options.webhook_url ?? null,
      parent: options.parent ?? null,
      now: T0,
    });
  }

  async apply(event: JobEvent): Promise<TransitionResult> {
    const result = await transition(this.compiled, this.job, event, {
      now: this.now,
      newId: this.ids,
      random: () => this.random,
      maxTransitions: this.maxTransitions,
      maxFanOut: this.maxFanOut,
      tasks: this.tasks,
    });
    this.last = result;
    if (!result.changed) {
      for (const id of result.effects.clear_timers) this.timers.delete(id);
      return result;
    }
    const e = result.effects;
    const withdrawn = new Set(e.withdraw.map((w) => w.task_id));
    for (const task of this.tasks.filter((t) => withdrawn.has(t.task_id))) {
      this.timers.delete(task.lease_timer_id);
      if (task.dispatch_timer_id) this.timers.delete(task.dispatch_timer_id);
    }
    this.tasks = this.tasks.filter((t) => !withdrawn.has(t.task_id));
    this.tasks.push(...e.enqueue.map((t) => ({ ...t, status: 'queued' as const })));
    for (const id of e.clear_timers) this.timers.delete(id);
    for (const timer of e.set_timers) this.timers.set(timer.id, timer);
    this.history.push(...e.history);
    this.job = result.job;
    return result;
  }

  start(): Promise<TransitionResult> {
    return this.apply({ type: 'start' });
  }

  /** A worker takes a queued task (as `claimNextTask` would). */
  lease(taskId: string, workerId = 'w1'): TaskRecord {
    const task = this.tasks.find((t) => t.task_id === taskId);
    if (!task) throw new Error(`no live task ${taskId}`);
    task.status = 'leased';
    task.worker_id = workerId;
    task.leased_at = this.now;
    task.deadline = task.timeout_ms === null ? null : this.now + task.timeout_ms;
    if (task.dispatch_timer_id) this.timers.delete(task.dispatch_timer_id);
    if (task.deadline !== null) {
      this.timers.set(task.lease_timer_id, {
        id: task.lease_timer_id,
        kind: 'lease_timeout',
        job_id: task.job_id,
        due: task.deadline,
        entry: task.entry,
        task_id: task.task_id,
        payload: {},
      });
    }
    return task;
  }

  /** The only live task (fails the test when there is not exactly one). */
  get task(): TaskRecord {
    if (this.tasks.length !== 1) throw new Error(`expected one live task, found ${this.tasks.length}`);
    return this.tasks[0]!;
  }

  result(taskId: string, body: { status?: string; data?: JsonObject; error?: { code?: string; message?: string } }, workerId = 'w1') {
    return this.apply({
      type: 'task_result',
      task_id: taskId,
      worker_id: workerId,
      status: body.status ?? 'success',
      data: body.data ?? null,
      error: body.error ?? null,
    });
  }

  /** Leases the only live task to w1 and posts a result for it. */
  async complete(body: { status?: string; data?: JsonObject; error?: { code?: string; message?: string } } = {}) {
    const task = this.lease(this.task.task_id);
    return this.result(task.task_id, body);
  }

  timer(kind: TimerRecord['kind']): TimerRecord {
    const found = [...this.timers.values()].filter((t) => t.kind === kind);
    if (found.length !== 1) throw new Error(`expected one ${kind} timer, found ${found.length}`);
    return found[0]!;
  }

  /** Moves the clock to the timer's due time and fires it. */
  fire(timer: TimerRecord): Promise<TransitionResult> {
    this.now = Math.max(this.now, timer.due);
    return this.apply({ type: 'timer', timer });
  }

  events(): string[] {
    return this.history.map((e) => e.event_type);
  }
}
