/**
 * `/api`: the client API, behind X-Client-Token. Each client sees only the jobs that it created
 * (its client id is passed to every engine call that reads a job). One create route is registered per
 * blueprint endpoint, so an unknown endpoint is a 404 and a wrong method a 405 like any other route.
 */
import Router from '@koa/router';
import type { CompiledBlueprint } from '../blueprint/types.js';
import type { Config } from '../config.js';
import { JOB_STATUSES, type Engine } from '../engine/api.js';
import { BadRequestError, ValidationError } from '../errors.js';
import { requireClient, type Authenticator } from './auth.js';
import type { AppContext, AppState, Middleware } from './context.js';
import { graphHandler } from './graph-route.js';
import { pathParam, queryChoice, queryNumber, queryString } from './params.js';
import type { RateLimiter } from './rate-limit.js';
import { summarize, type BodyValidator } from './schemas.js';

export interface ClientRoutesOptions {
  engine: Engine;
  config: Pick<Config, 'webhookAllowedHosts'>;
  auth: Authenticator;
  validator: BodyValidator;
  limiter: RateLimiter;
}

interface CreateJobBody {
  initial_data?: Record<string, unknown>;
  webhook_url?: string;
}

const MAX_IDEMPOTENCY_KEY = 200;

function clientId(ctx: AppContext): string {
  const client = ctx.state.client;
  if (!client) throw new Error('client route reached without client auth');
  return client.id;
}

/** The path a blueprint's create endpoint is served at, e.g. `/api/v1/jobs/hello`. */
export function createPath(blueprint: CompiledBlueprint): string | null {
  if (!blueprint.api) return null;
  const endpoint = blueprint.api.endpoint.startsWith('/') ? blueprint.api.endpoint : `/${blueprint.api.endpoint}`;
  return `/api/${blueprint.api.version}${endpoint}`.replace(/\/+$/, '');
}

/** path-to-regexp gives meaning to `:`, `*`, `{`, `}`, `(`, `)`, `?`, `+`, `!` and `\`; endpoints are literal. */
function literalRoute(path: string): string {
  return path.replace(/[:*{}()?+!\\]/g, (c) => `\\${c}`);
}

function checkWebhookUrl(text: string, allowedHosts: readonly string[] | undefined): void {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new BadRequestError(`webhook_url ${JSON.stringify(text)} is not a URL; give an http(s) URL`, { path: '$.webhook_url' }, 'INVALID_WEBHOOK_URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new BadRequestError(`webhook_url must use http or https, not ${url.protocol.slice(0, -1)}`, { path: '$.webhook_url' }, 'INVALID_WEBHOOK_URL');
  }
  if (url.username !== '' || url.password !== '') {
    throw new BadRequestError('webhook_url must not carry a user name or password', { path: '$.webhook_url' }, 'INVALID_WEBHOOK_URL');
  }
  const host = url.hostname.toLowerCase();
  if (allowedHosts && !allowedHosts.includes(host)) {
    throw new BadRequestError(`webhook_url host "${host}" is not in WEBHOOK_ALLOWED_HOSTS`, { path: '$.webhook_url', allowed: allowedHosts }, 'INVALID_WEBHOOK_URL');
  }
}

export function clientRoutes({ engine, config, auth, validator, limiter }: ClientRoutesOptions): Router<AppState> {
  const router = new Router<AppState>();
  const authenticate = requireClient(auth);
  const limit: Middleware = async (ctx, next) => {
    limiter.take(clientId(ctx));
    await next();
  };
  const guard = [authenticate, limit] as const;

  for (const blueprint of engine.blueprints.values()) {
    const path = createPath(blueprint);
    if (path === null) continue;
    router.post(literalRoute(path), ...guard, async (ctx) => {
      const body = ctx.state.body === undefined ? {} : validator.check<CreateJobBody>('create-job', ctx.state.body);
      const initialData = body.initial_data ?? {};
      const problems = blueprint.validateInput(initialData);
      if (problems.length > 0) {
        const details = problems.map((problem) => ({ path: problem.path, message: problem.message }));
        throw new ValidationError(summarize(`initial_data does not match the input of blueprint "${blueprint.name}"`, details), details);
      }
      if (body.webhook_url !== undefined) checkWebhookUrl(body.webhook_url, config.webhookAllowedHosts);
      const key = ctx.get('idempotency-key');
      if (key.length > MAX_IDEMPOTENCY_KEY) throw new BadRequestError(`Idempotency-Key is longer than ${MAX_IDEMPOTENCY_KEY} characters`);
      const { job_id: jobId } = await engine.createJob({
        blueprint: blueprint.name,
        initial_data: initialData,
        client_id: clientId(ctx),
        ...(body.webhook_url === undefined ? {} : { webhook_url: body.webhook_url }),
        ...(key === '' ? {} : { idempotency_key: key }),
      });
      ctx.status = 202;
      ctx.body = { status: 'accepted', job_id: jobId };
    });
  }

  router.get('/api/v1/jobs', ...guard, async (ctx) => {
    const status = queryChoice(ctx, 'status', JOB_STATUSES);
    const blueprint = queryString(ctx, 'blueprint');
    const q = queryString(ctx, 'q');
    const cursor = queryString(ctx, 'cursor');
    const page = await engine.listJobs({
      client_id: clientId(ctx),
      limit: queryNumber(ctx, 'limit', 1, 500, true) ?? 50,
      ...(status === undefined ? {} : { status }),
      ...(blueprint ? { blueprint } : {}),
      ...(q ? { q } : {}),
      ...(cursor ? { cursor } : {}),
    });
    ctx.body = page;
  });

  router.get('/api/v1/jobs/:job_id', ...guard, async (ctx) => {
    ctx.body = await engine.getJob(pathParam(ctx.params, 'job_id'), clientId(ctx));
  });

  router.post('/api/v1/jobs/:job_id/cancel', ...guard, async (ctx) => {
    const { notified_worker: notified } = await engine.cancelJob(pathParam(ctx.params, 'job_id'), clientId(ctx));
    ctx.body = { status: notified ? 'cancellation_request_sent' : 'cancellation_request_accepted' };
  });

  router.get('/api/v1/jobs/:job_id/history', ...guard, async (ctx) => {
    ctx.body = await engine.history(pathParam(ctx.params, 'job_id'), clientId(ctx));
  });

  router.get('/api/v1/blueprints', ...guard, (ctx) => {
    ctx.body = [...engine.blueprints.values()].map((blueprint) => ({
      name: blueprint.name,
      version: blueprint.version,
      description: blueprint.description ?? null,
      endpoint: createPath(blueprint),
      input: blueprint.input ?? null,
    }));
  });

  router.get('/api/v1/blueprints/:blueprint_name/graph', ...guard, graphHandler(engine, clientId));

  router.get('/api/v1/workers', ...guard, async (ctx) => {
    ctx.body = await engine.listWorkers();
  });

  router.get('/api/v1/dashboard', ...guard, async (ctx) => {
    ctx.body = await engine.dashboard();
  });

  return router;
}
