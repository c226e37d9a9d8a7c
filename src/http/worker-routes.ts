/**
 * `/_worker`: the worker API, behind X-Worker-Token. A worker id in the path or body must fit the
 * token (an individual token acts only for its worker_id pattern). Every authenticated request of a
 * worker keeps it alive (the engine refreshes its TTL on heartbeat, poll and result).
 */
import Router from '@koa/router';
import type { Config } from '../config.js';
import type { Engine, TaskResultInput, WorkerRegistration } from '../engine/api.js';
import { BadRequestError, NotFoundError, RateLimitedError } from '../errors.js';
import { assertMayActAs, requireWorker, type Authenticator } from './auth.js';
import type { AppContext, AppState } from './context.js';
import { pathParam, queryNumber } from './params.js';
import type { RateLimiter } from './rate-limit.js';
import type { BodyValidator } from './schemas.js';

export interface WorkerRoutesOptions {
  engine: Engine;
  config: Pick<Config, 'workerPollTimeoutMs' | 'maxPollsPerWorker'>;
  auth: Authenticator;
  validator: BodyValidator;
  limiter: RateLimiter;
  /** Aborted when the server drains: waiting polls answer 204 at once. */
  shutdown: AbortSignal;
}

export const MAX_POLL_TIMEOUT_SECONDS = 60;

type Outcome = { status?: string; data?: Record<string, unknown> | null; error?: { code?: string; message?: string } | string | null };
type ResultBody = { job_id: string; task_id: string; worker_id: string; result?: Outcome } & Outcome;

/** Avtomatika workers send `resources.gpu_info` and `installed_models: [{ name, version }]`. */
export function normalizeRegistration(body: Record<string, unknown>): Record<string, unknown> {
  const normalized: Record<string, unknown> = { ...body };
  const resources = body.resources;
  if (typeof resources === 'object' && resources !== null && !Array.isArray(resources)) {
    const { gpu, gpu_info: gpuInfo } = resources as Record<string, unknown>;
    if (gpu === undefined && gpuInfo !== undefined && gpuInfo !== null) normalized.resources = { ...resources, gpu: gpuInfo };
  }
  if (body.models === undefined && Array.isArray(body.installed_models)) {
    normalized.models = body.installed_models
      .map((model: unknown) => (typeof model === 'string' ? model : (model as { name?: unknown } | null)?.name))
      .filter((name): name is string => typeof name === 'string');
  }
  return normalized;
}

/** The nested form `result: { status, data, error }` wins over the flat form when both are given. */
export function toResultInput(body: ResultBody): TaskResultInput {
  const outcome: Outcome = body.result ?? body;
  const error = outcome.error;
  return {
    job_id: body.job_id,
    task_id: body.task_id,
    worker_id: body.worker_id,
    status: outcome.status ?? 'success',
    ...(outcome.data ? { data: outcome.data } : {}),
    ...(error === undefined || error === null ? {} : { error: typeof error === 'string' ? { message: error } : error }),
  };
}

export function workerRoutes(options: WorkerRoutesOptions): Router<AppState> {
  const { engine, config, auth, validator, limiter, shutdown } = options;
  const router = new Router<AppState>();
  const authenticate = requireWorker(auth);
  const pollsByWorker = new Map<string, number>();

  /** Checks that the token may act as this worker, then counts the request against its rate. */
  const actAs = (ctx: AppContext, workerId: string): void => {
    assertMayActAs(ctx.state.worker, workerId);
    limiter.take(workerId);
  };

  router.post('/_worker/workers/register', authenticate, async (ctx) => {
    const body = validator.check<WorkerRegistration>('register-worker', ctx.state.body);
    actAs(ctx, body.worker_id);
    await engine.registerWorker(normalizeRegistration(body) as WorkerRegistration);
    ctx.body = { status: 'registered' };
  });

  router.patch('/_worker/workers/:worker_id', authenticate, async (ctx) => {
    const workerId = pathParam(ctx.params, 'worker_id');
    actAs(ctx, workerId);
    const body = ctx.state.body;
    if (body === undefined) {
      const { worker, cancelled_tasks: cancelled } = await engine.heartbeat(workerId, undefined);
      if (!worker) throw new NotFoundError(`worker "${workerId}" is not registered; register it again with POST /_worker/workers/register`);
      ctx.body = { status: 'ttl_refreshed', cancelled_tasks: cancelled };
      return;
    }
    const update = validator.check<Record<string, unknown>>('heartbeat', body);
    if (update.worker_id !== undefined && update.worker_id !== workerId) {
      throw new BadRequestError(`body worker_id "${String(update.worker_id)}" differs from the path's "${workerId}"`, { path: '$.worker_id' });
    }
    let reply = await engine.heartbeat(workerId, normalizeRegistration(update));
    if (!reply.worker && Array.isArray(update.supported_tasks)) {
      // A worker that the server forgot (memory store restarted) comes back with its next heartbeat.
      await engine.registerWorker(normalizeRegistration({ ...update, worker_id: workerId }) as WorkerRegistration);
      reply = await engine.heartbeat(workerId, undefined);
    }
    if (!reply.worker) {
      throw new NotFoundError(`worker "${workerId}" is not registered; send supported_tasks or register with POST /_worker/workers/register`);
    }
    ctx.body = { ...reply.worker, cancelled_tasks: reply.cancelled_tasks };
  });

  router.get('/_worker/workers/:worker_id/tasks/next', authenticate, async (ctx) => {
    const workerId = pathParam(ctx.params, 'worker_id');
    actAs(ctx, workerId);
    const asked = queryNumber(ctx, 'timeout', 0, MAX_POLL_TIMEOUT_SECONDS, false);
    const timeoutMs = asked === undefined ? config.workerPollTimeoutMs : Math.min(asked * 1000, config.workerPollTimeoutMs);
    const waiting = pollsByWorker.get(workerId) ?? 0;
    if (waiting >= config.maxPollsPerWorker) {
      throw new RateLimitedError(`worker "${workerId}" already has ${waiting} polls waiting; at most ${config.maxPollsPerWorker}`, 1);
    }
    if (shutdown.aborted) {
      ctx.status = 204;
      return;
    }
    // One controller per poll: it fires when the client goes away or the server drains, and the
    // listeners are removed in `finally` so nothing outlives the request.
    const controller = new AbortController();
    const abort = (): void => controller.abort();
    const onClose = (): void => {
      if (!ctx.res.writableEnded) abort();
    };
    ctx.res.on('close', onClose);
    shutdown.addEventListener('abort', abort);
    pollsByWorker.set(workerId, waiting + 1);
    try {
      const task = await engine.nextTask(workerId, { timeoutMs, signal: controller.signal });
      if (!task) {
        ctx.status = 204;
        return;
      }
      const res = ctx.res;
      if (controller.signal.aborted || res.destroyed) {
        // Gone (or draining) between the claim and here: the task would be written to nobody.
        await engine.returnTask(workerId, task);
        ctx.status = 204;
        return;
      }
      ctx.body = task;
      // Koa writes the body after this handler returns; a connection that closes before the reply
      // was handed to the OS leaves the task with nobody, so it goes back to its queue.
      res.once('close', () => {
        if (!res.writableFinished) void engine.returnTask(workerId, task);
      });
    } finally {
      ctx.res.off('close', onClose);
      shutdown.removeEventListener('abort', abort);
      const left = (pollsByWorker.get(workerId) ?? 1) - 1;
      if (left <= 0) pollsByWorker.delete(workerId);
      else pollsByWorker.set(workerId, left);
    }
  });

  router.post('/_worker/tasks/result', authenticate, async (ctx) => {
    const body = validator.check<ResultBody>('task-result', ctx.state.body);
    actAs(ctx, body.worker_id);
    const reply = await engine.submitResult(toResultInput(body));
    ctx.body = { status: reply };
  });

  return router;
}
