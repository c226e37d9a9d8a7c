/**
 * The engine: runs the pure transition step against the store and performs its effects. Every change
 * to a job is load -> transition -> one compare-and-set commit; on a version conflict the event is
 * applied again to the fresh job, so concurrent results (parallel branches posted at once, a timer and
 * a late result) are all kept or cleanly refused, never lost or applied twice.
 *
 * Timers live in the store. This process keeps ONE wake-up for the nearest deadline it knows of plus a
 * periodic sweep (which also finds timers set by other processes and expired workers).
 */
import { v7 as uuidv7 } from 'uuid';
import type { CompiledBlueprint } from '../blueprint/types.js';
import { BadRequestError, ConflictError, NotFoundError, SwitchyardError, ValidationError } from '../errors.js';
import type { CommitResult, JobChange, LoadedJob, Store } from '../storage/contracts.js';
import { isTerminalStatus, type JobRecord, type JsonObject, type TimerRecord } from '../storage/types.js';
import type { Dashboard, Engine, ResultReply, TaskResultInput, WorkerRegistration, WorkerView } from './api.js';
import { createLongPoll } from './long-poll.js';
import {
  noopMetrics,
  silentLogger,
  systemClock,
  type CancelTaskCommand,
  type Clock,
  type EngineLogger,
  type EngineMetrics,
  type WorkerNotifier,
} from './ports.js';
import { newJobRecord, transition } from './transition.js';
import type { JobEvent, TransitionContext, TransitionResult } from './transition-types.js';
import { graphOverlayOf, historyView, jobView, workerView } from './views.js';
import { deliverWebhookTry, webhookUrlProblem, type WebhookSettings } from './webhooks.js';
import { heartbeatUpdateOf, workerMatchOf, workerRecordOf } from './worker-registration.js';

/** The configuration the engine reads (src/config.ts's `Config` satisfies it). */
export interface EngineConfig {
  maxTransitions: number;
  workerTtlMs: number;
  workerPollTimeoutMs: number;
  jobRetentionMs: number;
  webhookSecret: string | undefined;
  webhookTimeoutMs: number;
  webhookAllowedHosts: readonly string[] | undefined;
  maxFanOut: number;
  maxJobDataBytes: number;
}

export interface EngineLimits extends Partial<EngineConfig> {
  /** How long a claimed timer is held before another process may fire it again. */
  timerLeaseMs?: number;
  /** The periodic sweep for timers and expired workers. */
  sweepIntervalMs?: number;
  webhookMaxAttempts?: number;
  webhookBackoffMs?: number;
  webhookMaxBackoffMs?: number;
}

export interface EngineOptions {
  store: Store;
  blueprints: ReadonlyMap<string, CompiledBlueprint>;
  config?: Partial<EngineConfig>;
  /** Overrides of `config` (tests). */
  limits?: EngineLimits;
  clock?: Clock;
  newId?: () => string;
  /** A number in [0, 1) for retry jitter. */
  random?: () => number;
  metrics?: EngineMetrics;
  logger?: EngineLogger;
  /** Writes a cancel command to a worker's WebSocket held by this process. */
  notifyWorker?: WorkerNotifier;
  /** `fetch` for webhooks (tests). */
  fetch?: typeof fetch;
}

/** The Engine of api.ts plus what wiring and tests need. */
export interface SwitchyardEngine extends Engine {
  setWorkerNotifier(notifier: WorkerNotifier): void;
  /** Fires due timers and expires workers now (the periodic sweep; tests call it after moving a fake clock). */
  tick(): Promise<void>;
  /** Resolves when background work started so far (timers fired inline, webhooks) has finished. */
  idle(): Promise<void>;
}

const DEFAULTS = {
  maxTransitions: 1000,
  maxFanOut: 10_000,
  maxJobDataBytes: 1024 * 1024,
  workerTtlMs: 60_000,
  workerPollTimeoutMs: 30_000,
  jobRetentionMs: 7 * 24 * 3_600_000,
  webhookTimeoutMs: 10_000,
  timerLeaseMs: 30_000,
  sweepIntervalMs: 1000,
  webhookMaxAttempts: 6,
  webhookBackoffMs: 5000,
  webhookMaxBackoffMs: 5 * 60_000,
} as const;

const MAX_COMMIT_TRIES = 50;
const TIMER_BATCH = 100;

export function createEngine(options: EngineOptions): SwitchyardEngine {
  const { store, blueprints } = options;
  const settings = { ...DEFAULTS, ...stripUndefined(options.config ?? {}), ...stripUndefined(options.limits ?? {}) };
  const clock = options.clock ?? systemClock;
  // Time-ordered ids (UUIDv7, monotonic within a process): jobs created in the same millisecond still
  // list newest first, since listings break created_at ties by id.
  const newId = options.newId ?? uuidv7;
  const random = options.random ?? Math.random;
  const metrics = options.metrics ?? noopMetrics;
  const logger = options.logger ?? silentLogger;
  let notifyWorker: WorkerNotifier | undefined = options.notifyWorker;
  const webhook: WebhookSettings = {
    ...(settings.webhookSecret ? { secret: settings.webhookSecret } : {}),
    timeoutMs: settings.webhookTimeoutMs,
    maxAttempts: Math.max(5, settings.webhookMaxAttempts),
    backoffMs: settings.webhookBackoffMs,
    maxBackoffMs: settings.webhookMaxBackoffMs,
    ...(settings.webhookAllowedHosts ? { allowedHosts: settings.webhookAllowedHosts } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };

  const polls = createLongPoll({
    store,
    clock,
    metrics,
    logger,
    workerTtlMs: settings.workerTtlMs,
    isClosed: () => closed,
    onClaimed: (workerId, now) => lastTouch.set(workerId, now),
  });
  const background = new Set<Promise<unknown>>();
  const unsubscribe: (() => void)[] = [];
  let wakeHandle: NodeJS.Timeout | undefined;
  let wakeAt = Infinity;
  let sweepHandle: NodeJS.Timeout | undefined;
  let running = false;
  let closed = false;
  let stopping = new AbortController();
  let sweeping: Promise<void> | null = null;
  let sweepAgain = false;
  /** When this process last refreshed each worker, so results do not cost a store call each. */
  const lastTouch = new Map<string, number>();
  /** The tail of the queue of work on each job in this process (see `serialised`). */
  const jobQueues = new Map<string, Promise<void>>();

  // ---------- helpers ----------

  function track<T>(promise: Promise<T>): void {
    const tracked = promise.then(
      () => undefined,
      (error: unknown) => logger.error({ err: error }, 'background engine work failed'),
    );
    background.add(tracked);
    void tracked.finally(() => background.delete(tracked));
  }

  function blueprintOf(job: JobRecord): CompiledBlueprint {
    const compiled = blueprints.get(job.blueprint);
    if (!compiled) throw new SwitchyardError('BLUEPRINT_GONE', 500, `job ${job.id}: blueprint "${job.blueprint}" is no longer loaded`);
    return compiled;
  }

  async function loadFor(jobId: string, clientId?: string): Promise<LoadedJob> {
    const loaded = await store.jobs.load(jobId);
    if (!loaded || (clientId !== undefined && loaded.job.client_id !== clientId)) throw new NotFoundError(`job ${jobId} not found`);
    return loaded;
  }

  function changeOf(before: JobRecord | null, result: TransitionResult, extraClear: string[] = []): JobChange {
    const e = result.effects;
    const change: JobChange = {
      job: result.job,
      expected_version: before ? before.version : null,
      ...(e.expect_tasks.length ? { expect_tasks: e.expect_tasks } : {}),
      ...(e.enqueue.length ? { enqueue: e.enqueue } : {}),
      ...(e.withdraw.length ? { withdraw: e.withdraw } : {}),
      // A timer due at once is run by this process right after the commit (afterCommit); it is stored
      // leased, so other processes fire it only if this one dies first (the outbox pattern).
      ...(e.set_timers.length ? { set_timers: e.set_timers.map((t) => (t.due <= result.job.updated_at ? { ...t, due: t.due + settings.timerLeaseMs } : t)) } : {}),
      ...(e.clear_timers.length || extraClear.length ? { clear_timers: [...e.clear_timers, ...extraClear] } : {}),
      ...(e.history.length ? { history: e.history } : {}),
    };
    if (isTerminalStatus(result.job.status)) change.expire_at = (result.job.finished_at ?? clock.now()) + settings.jobRetentionMs;
    return change;
  }

  /** Reports, notifies and schedules what a committed step did. */
  function afterCommit(before: JobRecord | null, result: TransitionResult, commit: Extract<CommitResult, { ok: true }>, tasksBefore: LoadedJob['tasks']): void {
    const job = result.job;
    if (!before) metrics.jobCreated(job.blueprint);
    for (const task of result.effects.enqueue) metrics.taskQueued(task.type);
    const counted = new Set<string>();
    for (const event of result.effects.history) {
      if (event.event_type === 'task_result' || event.event_type === 'task_timeout') {
        const task = tasksBefore.find((t) => t.task_id === event.task_id);
        if (!task) continue;
        counted.add(task.task_id);
        metrics.taskCompleted(task.type, event.event_type === 'task_timeout' ? 'timeout' : String(event.status));
      }
    }
    if (isTerminalStatus(job.status) && (!before || !isTerminalStatus(before.status))) {
      metrics.jobEnded(job.blueprint, job.status, ((job.finished_at ?? clock.now()) - job.created_at) / 1000);
      logger.info({ job_id: job.id, status: job.status, ...(job.error ? { error: job.error } : {}) }, `job ${job.status}`);
    }
    for (const notice of commit.cancelled) {
      if (counted.has(notice.task_id)) continue;
      metrics.taskCompleted(tasksBefore.find((t) => t.task_id === notice.task_id)?.type ?? 'unknown', 'cancelled');
    }
    for (const timer of result.effects.set_timers) {
      if (timer.due <= job.updated_at) track(handleTimer(timer));
      else scheduleWake(timer.due);
    }
  }

  /** Tells each worker whose task was withdrawn as cancelled; answers whether a socket here took one. */
  async function tellWorkers(commit: Extract<CommitResult, { ok: true }>): Promise<boolean> {
    let written = false;
    for (const notice of commit.cancelled) {
      const command: CancelTaskCommand = { command: 'cancel_task', job_id: notice.job_id, task_id: notice.task_id };
      let here = false;
      try {
        here = (await notifyWorker?.(notice.worker_id, command)) ?? false;
      } catch (error) {
        logger.warn({ err: error, worker_id: notice.worker_id, task_id: notice.task_id }, 'cancel over the socket failed');
      }
      written ||= here;
      if (!here) await store.notifier.publishCancel(notice);
    }
    return written;
  }

  /**
   * Runs `work` for one job after the work queued before it for that job in this process. Events for
   * one job are applied one at a time per process, so concurrent results do not fight over the same
   * version here; the compare-and-set in the store still settles races between processes.
   */
  function serialised<T>(jobId: string, work: () => Promise<T>): Promise<T> {
    const before = jobQueues.get(jobId) ?? Promise.resolve();
    const run = before.then(work, work);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    jobQueues.set(jobId, settled);
    void settled.then(() => {
      if (jobQueues.get(jobId) === settled) jobQueues.delete(jobId);
    });
    return run;
  }

  /**
   * Applies one event to one job with compare-and-set, reloading and re-applying on a conflict (after
   * a short random pause that grows with each conflict, so processes that collide spread out).
   * `onMissing` is thrown for an unknown job (default: 404).
   */
  function applyEvent(
    jobId: string,
    event: JobEvent,
    opts: { clientId?: string; extraClear?: string[]; onMissing?: () => Error } = {},
  ): Promise<{ result: TransitionResult; notified: boolean }> {
    return serialised(jobId, async () => {
      for (let attempt = 0; attempt < MAX_COMMIT_TRIES; attempt++) {
        const loaded = await store.jobs.load(jobId);
        if (!loaded || (opts.clientId !== undefined && loaded.job.client_id !== opts.clientId)) {
          throw opts.onMissing?.() ?? new NotFoundError(`job ${jobId} not found`);
        }
        const { job, tasks } = loaded;
        const result = await transition(blueprintOf(job), job, event, stepContext(tasks));
        if (!result.changed) {
          const clear = [...result.effects.clear_timers, ...(opts.extraClear ?? [])];
          if (clear.length) await store.timers.clear(clear);
          return { result, notified: false };
        }
        const commit = await store.jobs.commit(changeOf(job, result, opts.extraClear));
        if (commit.ok) {
          afterCommit(job, result, commit, tasks);
          const notified = await tellWorkers(commit);
          return { result, notified };
        }
        await pause(random() * Math.min(100, 2 ** attempt));
      }
      throw new SwitchyardError('CONTENTION', 503, `job ${jobId} changed ${MAX_COMMIT_TRIES} times while an update was applied; try again`);
    });
  }

  /** What the pure step may know of the world: the time now, ids, jitter, the limits, the job's live tasks. */
  function stepContext(tasks: TransitionContext['tasks']): TransitionContext {
    return {
      now: clock.now(),
      newId,
      random,
      maxTransitions: settings.maxTransitions,
      maxFanOut: settings.maxFanOut,
      maxJobDataBytes: settings.maxJobDataBytes,
      tasks,
    };
  }

  // ---------- jobs ----------

  async function createJobRecord(
    job: JobRecord,
    compiled: CompiledBlueprint,
    extra: { idempotency?: { client_id: string; key: string }; clear?: string[] } = {},
  ): Promise<CommitResult> {
    const result = await transition(compiled, job, { type: 'start' }, stepContext([]));
    const change = changeOf(null, result, extra.clear);
    if (extra.idempotency) change.idempotency = extra.idempotency;
    const commit = await store.jobs.commit(change);
    if (commit.ok) afterCommit(null, result, commit, []);
    return commit;
  }

  // ---------- timers ----------

  function scheduleWake(due: number): void {
    if (!running || due >= wakeAt) return;
    if (wakeHandle) clearTimeout(wakeHandle);
    wakeAt = due;
    wakeHandle = setTimeout(() => {
      wakeHandle = undefined;
      wakeAt = Infinity;
      track(sweep());
    }, Math.max(0, due - clock.now()));
    wakeHandle.unref?.();
  }

  async function handleTimer(timer: TimerRecord): Promise<void> {
    try {
      switch (timer.kind) {
        case 'webhook':
          await deliverWebhook(timer);
          return;
        case 'start_child':
          await startChild(timer);
          return;
        case 'cancel_job':
          try {
            await applyEvent(timer.job_id, { type: 'cancel' }, { extraClear: [timer.id] });
          } catch (error) {
            if (!(error instanceof SwitchyardError) || (error.status !== 404 && error.status !== 409)) throw error;
            await store.timers.clear([timer.id]);
          }
          return;
        default:
          try {
            await applyEvent(timer.job_id, { type: 'timer', timer });
          } catch (error) {
            if (!(error instanceof NotFoundError)) throw error;
            await store.timers.clear([timer.id]);
          }
      }
    } catch (error) {
      // The timer stays leased in the store and fires again after its lease.
      logger.error({ err: error, job_id: timer.job_id, timer_id: timer.id, kind: timer.kind }, 'timer failed');
    }
  }

  async function startChild(timer: TimerRecord): Promise<void> {
    const p = timer.payload;
    const childId = String(p.child_id);
    const parent = await store.jobs.load(timer.job_id);
    const active = parent?.job.active;
    if (!parent || active?.kind !== 'child' || active.child_id !== childId) {
      await store.timers.clear([timer.id]);
      return;
    }
    const compiled = blueprints.get(String(p.blueprint));
    const input = (p.initial_data ?? {}) as JsonObject;
    const problems = compiled ? compiled.validateInput(input) : [];
    if (!compiled || problems.length > 0) {
      const message = !compiled
        ? `blueprint "${String(p.blueprint)}" is not loaded`
        : `initial_data does not fit blueprint ${compiled.name}: ${problems.map((v) => `${v.path} ${v.message}`).join('; ')}`;
      const ended: TimerRecord = {
        ...timer,
        kind: 'child_ended',
        payload: { child_id: childId, status: 'failed', result: null, error: { code: 'CHILD_NOT_STARTED', message } },
      };
      await applyEvent(timer.job_id, { type: 'timer', timer: ended }, { extraClear: [timer.id] });
      return;
    }
    const job = newJobRecord({
      id: childId,
      blueprint: compiled.name,
      blueprint_version: compiled.version,
      client_id: String(p.client_id ?? parent.job.client_id),
      initial_data: input,
      webhook_url: null,
      parent: { job_id: timer.job_id, state: String(p.parent_state), entry: Number(p.parent_entry) },
      now: clock.now(),
    });
    const commit = await createJobRecord(job, compiled, { clear: [timer.id] });
    if (!commit.ok) {
      await store.timers.clear([timer.id]); // created already by another process
      return;
    }
    // The parent may have ended between the check above and the child's creation, in which case its
    // cancel found no child to cancel: look again, and cancel the orphan.
    const after = await store.jobs.load(timer.job_id);
    const still = after?.job.active;
    if (!after || still?.kind !== 'child' || still.child_id !== childId) {
      await applyEvent(childId, { type: 'cancel' }).catch((error: unknown) => {
        if (!(error instanceof SwitchyardError) || error.status !== 409) throw error;
      });
    }
  }

  async function deliverWebhook(timer: TimerRecord): Promise<void> {
    const nextDue = await deliverWebhookTry(timer, { store, clock, metrics, logger, settings: webhook, stop: stopping.signal });
    if (nextDue !== null) scheduleWake(nextDue);
  }


  /**
   * Fires every due timer (in batches) and expires silent workers. One sweep at a time per process; a
   * call during a sweep makes it run once more, so nothing that became due meanwhile waits for the next.
   */
  function sweep(): Promise<void> {
    if (sweeping) {
      sweepAgain = true;
      return sweeping;
    }
    sweeping = (async () => {
      try {
        do {
          sweepAgain = false;
          await sweepOnce();
        } while (sweepAgain);
      } finally {
        sweeping = null;
      }
    })();
    return sweeping;
  }

  async function sweepOnce(): Promise<void> {
    const now = clock.now();
    for (;;) {
      const expired = await store.workers.claimExpired(now, TIMER_BATCH);
      for (const worker of expired) {
        lastTouch.delete(worker.worker_id);
        logger.info({ worker_id: worker.worker_id, tasks: worker.current_tasks }, 'worker expired');
      }
      if (expired.length < TIMER_BATCH) break;
    }
    for (;;) {
      const due = await store.timers.claimDue(clock.now(), TIMER_BATCH, settings.timerLeaseMs);
      await Promise.all(due.map((timer) => handleTimer(timer)));
      if (due.length < TIMER_BATCH) break;
    }
    const next = await store.timers.nextDue();
    if (next !== null) scheduleWake(next);
  }

  // ---------- the Engine ----------

  const engine: SwitchyardEngine = {
    blueprints,

    async start() {
      if (running) return;
      running = true;
      closed = false;
      if (stopping.signal.aborted) stopping = new AbortController();
      unsubscribe.push(
        store.notifier.onTaskQueued((type) => polls.wake(type)),
        store.notifier.onCancel((notice) => {
          const command: CancelTaskCommand = { command: 'cancel_task', job_id: notice.job_id, task_id: notice.task_id };
          track(Promise.resolve(notifyWorker?.(notice.worker_id, command)));
        }),
      );
      sweepHandle = setInterval(() => track(sweep()), settings.sweepIntervalMs);
      sweepHandle.unref?.();
      track(sweep());
    },

    async close() {
      closed = true;
      running = false;
      if (sweepHandle) clearInterval(sweepHandle);
      if (wakeHandle) clearTimeout(wakeHandle);
      wakeHandle = undefined;
      wakeAt = Infinity;
      for (const off of unsubscribe.splice(0)) off();
      polls.wakeAll();
      stopping.abort();
      await engine.idle();
    },

    setWorkerNotifier(notifier) {
      notifyWorker = notifier;
    },

    async tick() {
      await sweep();
      await engine.idle();
    },

    async idle() {
      while (background.size > 0) await Promise.all([...background]);
    },

    async createJob(input) {
      const compiled = blueprints.get(input.blueprint);
      if (!compiled) throw new NotFoundError(`blueprint "${input.blueprint}" not found`);
      const violations = compiled.validateInput(input.initial_data);
      if (violations.length > 0) {
        throw new ValidationError(`initial_data does not fit the input schema of ${compiled.name}: ${violations.map((v) => `${v.path} ${v.message}`).join('; ')}`, violations);
      }
      if (input.webhook_url !== undefined) {
        const problem = webhookUrlProblem(input.webhook_url, webhook.allowedHosts);
        if (problem) throw new BadRequestError(problem, { path: '$.webhook_url' }, 'INVALID_WEBHOOK_URL');
      }
      const idempotency = input.idempotency_key !== undefined ? { client_id: input.client_id, key: input.idempotency_key } : undefined;
      if (idempotency) {
        const existing = await store.idempotency.lookup(idempotency.client_id, idempotency.key);
        if (existing !== null) return { job_id: existing, created: false };
      }
      const job = newJobRecord({
        id: newId(),
        blueprint: compiled.name,
        blueprint_version: compiled.version,
        client_id: input.client_id,
        initial_data: JSON.parse(JSON.stringify(input.initial_data)) as JsonObject,
        webhook_url: input.webhook_url ?? null,
        parent: null,
        now: clock.now(),
      });
      const commit = await createJobRecord(job, compiled, idempotency ? { idempotency } : {});
      if (commit.ok) {
        logger.debug({ job_id: job.id, blueprint: job.blueprint }, 'job created');
        return { job_id: job.id, created: true };
      }
      if (commit.reason === 'idempotent') return { job_id: commit.job_id, created: false };
      throw new SwitchyardError('JOB_ID_TAKEN', 500, `job id ${job.id} was taken; the id generator repeats itself`);
    },

    async getJob(jobId, clientId) {
      return jobView(await loadFor(jobId, clientId));
    },

    async listJobs(filter) {
      const page = await store.jobs.list({
        ...(filter.client_id !== undefined ? { client_id: filter.client_id } : {}),
        ...(filter.status !== undefined ? { status: filter.status } : {}),
        ...(filter.blueprint !== undefined ? { blueprint: filter.blueprint } : {}),
        ...(filter.q !== undefined && filter.q !== '' ? { id_contains: filter.q } : {}),
        ...(filter.cursor !== undefined && filter.cursor !== '' ? { cursor: filter.cursor } : {}),
        limit: Math.min(Math.max(1, Math.floor(filter.limit)), 1000),
      });
      return { jobs: page.jobs.map(jobView), next_cursor: page.next_cursor };
    },

    async history(jobId, clientId) {
      if (clientId !== undefined) await loadFor(jobId, clientId);
      const events = await store.jobs.history(jobId);
      if (events.length === 0 && clientId === undefined) await loadFor(jobId);
      return events.map(historyView);
    },

    async cancelJob(jobId, clientId) {
      const { notified } = await applyEvent(jobId, { type: 'cancel' }, clientId !== undefined ? { clientId } : {});
      return { notified_worker: notified };
    },

    async decide(jobId, decision) {
      await applyEvent(jobId, { type: 'decision', decision });
    },

    async graphOverlay(jobId, clientId) {
      const { job } = await loadFor(jobId, clientId);
      return { blueprint: job.blueprint, overlay: graphOverlayOf(job) };
    },

    async registerWorker(registration: WorkerRegistration) {
      const now = clock.now();
      await store.workers.register(workerRecordOf(registration, now, settings.workerTtlMs));
      lastTouch.set(registration.worker_id, now);
    },

    async heartbeat(workerId, update) {
      const now = clock.now();
      const aliveUntil = now + settings.workerTtlMs;
      const forgetBefore = now - settings.workerTtlMs;
      const clean = update ? heartbeatUpdateOf(update) : undefined;
      if (clean && ('resources' in clean || 'models' in clean || 'installed_models' in clean || 'max_concurrent_tasks' in clean)) {
        // What the worker offers changed: rebuild what `requires` is matched against.
        const known = await store.workers.get(workerId, now);
        if (known) {
          const description = { ...known.description, ...clean } as JsonObject;
          const rebuilt = workerRecordOf({ ...(description as WorkerRegistration), worker_id: workerId, supported_tasks: known.supported_tasks }, now, settings.workerTtlMs);
          await store.workers.register({ ...rebuilt, registered_at: known.registered_at, match: workerMatchOf(description) });
        }
      }
      const worker = await store.workers.heartbeat(workerId, now, {
        alive_until: aliveUntil,
        forget_cancelled_before: forgetBefore,
        ...(clean ? { update: clean } : {}),
      });
      if (!worker) return { worker: null, cancelled_tasks: [] };
      lastTouch.set(workerId, now);
      return { worker: workerView(worker), cancelled_tasks: [...new Set(worker.cancelled_tasks.map((c) => c.task_id))] };
    },

    nextTask: (workerId, opts) => polls.nextTask(workerId, opts),
    returnTask: (workerId, task) => polls.giveBack(workerId, task),

    async submitResult(input: TaskResultInput): Promise<ResultReply> {
      const { result } = await applyEvent(
        input.job_id,
        {
          type: 'task_result',
          task_id: input.task_id,
          worker_id: input.worker_id,
          status: input.status || 'success',
          data: input.data && typeof input.data === 'object' && !Array.isArray(input.data) ? (JSON.parse(JSON.stringify(input.data)) as JsonObject) : null,
          error: input.error ?? null,
        },
        {
          onMissing: () =>
            new ConflictError(`task ${input.task_id} takes no result: job ${input.job_id} does not exist (or has expired)`, undefined, 'TASK_NOT_CURRENT'),
        },
      );
      // A result is a sign of life; refresh the worker at most every quarter TTL to save store calls.
      const now = clock.now();
      if (now - (lastTouch.get(input.worker_id) ?? 0) > settings.workerTtlMs / 4) {
        lastTouch.set(input.worker_id, now);
        track(store.workers.heartbeat(input.worker_id, now, { alive_until: now + settings.workerTtlMs, forget_cancelled_before: now - settings.workerTtlMs }));
      }
      return result.reply ?? 'result_accepted_success';
    },

    async progress(update) {
      await applyEvent(update.job_id, {
        type: 'progress',
        worker_id: update.worker_id,
        task_id: update.task_id,
        ...(update.progress !== undefined ? { progress: update.progress } : {}),
        ...(update.message !== undefined ? { message: update.message } : {}),
      });
    },

    async listWorkers(): Promise<WorkerView[]> {
      return (await store.workers.list(clock.now())).map(workerView);
    },

    async dashboard(): Promise<Dashboard> {
      const [jobs, workers, queues] = await Promise.all([store.jobs.countByStatus(), store.workers.list(clock.now()), store.tasks.depths()]);
      const busy = workers.filter((w) => w.current_tasks.length > 0).length;
      return { jobs, workers: { total: workers.length, idle: workers.length - busy, busy }, queues, blueprints: [...blueprints.keys()].sort() };
    },

    async flush() {
      await store.flush();
      lastTouch.clear();
      polls.wakeAll();
    },
  };
  return engine;
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
