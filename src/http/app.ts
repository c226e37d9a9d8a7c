/**
 * The Koa app: metrics timing (outermost, so it sees the final status), the one error middleware,
 * JSON body parsing, the public, client and worker routes, and a last middleware that answers 405
 * for a known path with the wrong method and 404 for anything else. The WebSocket registry rides
 * along for the HTTP server's `upgrade` event.
 */
import Koa from 'koa';
import type Router from '@koa/router';
import type { Config } from '../config.js';
import type { Engine } from '../engine/api.js';
import { SwitchyardError } from '../errors.js';
import { createMetrics, type Metrics } from '../observability/metrics.js';
import { createAuthenticator, requireClient, requireWorker } from './auth.js';
import { createConsoleApiRouter } from './console-api.js';
import { createConsoleRouter } from './console.js';
import { docsRoutes } from './docs.js';
import { buildOpenApi, routesOf } from './openapi.js';
import { bodyMiddleware } from './body.js';
import { clientRoutes, createPath } from './client-routes.js';
import { routeTemplate, type AppContext, type AppState } from './context.js';
import { MethodNotAllowedError, errorMiddleware, routeNotFound } from './errors.js';
import { silentLogger, type HttpLogger } from './logger.js';
import { publicRoutes } from './public-routes.js';
import { createRateLimiter } from './rate-limit.js';
import { createBodyValidator } from './schemas.js';
import { workerRoutes } from './worker-routes.js';
import { createWorkerSockets, type WorkerSockets } from './worker-sockets.js';

export type AppConfig = Pick<
  Config,
  | 'clients'
  | 'globalWorkerTokenHash'
  | 'workers'
  | 'workerPollTimeoutMs'
  | 'maxPollsPerWorker'
  | 'enableDebugEndpoints'
  | 'maxBodyBytes'
  | 'webhookAllowedHosts'
  | 'rateLimitClient'
  | 'rateLimitWorker'
>;

export interface CreateAppOptions {
  engine: Engine;
  config: AppConfig;
  metrics?: Metrics;
  logger?: HttpLogger;
  /** The worker socket registry; created here (progress -> engine.progress) when not given. */
  sockets?: WorkerSockets;
  /** Milliseconds since the epoch, for rate limits; injected like every clock. */
  now?: () => number;
  /** Extra routers, mounted before the built-in ones. */
  routers?: readonly Router<AppState>[];
}

export type SwitchyardApp = Koa<AppState> & {
  readonly sockets: WorkerSockets;
  readonly routers: readonly Router<AppState>[];
  /** Builds the OpenAPI document now, so a blueprint that cannot be drawn stops the start. */
  ready(): Promise<void>;
  /** Answers every waiting long-poll with 204 now, and every later one at once. */
  drain(): void;
};

export function createApp(options: CreateAppOptions): SwitchyardApp {
  const { engine, config } = options;
  const logger = options.logger ?? silentLogger;
  const metrics = options.metrics ?? createMetrics({ defaultMetrics: false });
  const auth = createAuthenticator(config);
  const validator = createBodyValidator();
  const now = options.now ?? Date.now;
  const draining = new AbortController();
  const sockets =
    options.sockets ?? createWorkerSockets({ auth, validator, logger, onProgress: (update) => engine.progress(update) });

  const docs = docsRoutes({
    build: () =>
      buildOpenApi({
        blueprints: engine.blueprints.values(),
        routes: routesOf(...routers),
      }),
  });
  // One bucket per client across every /api router (the console's state route included).
  const clientLimiter = createRateLimiter(config.rateLimitClient, 'client', now);
  const routers: Router<AppState>[] = [
    ...(options.routers ?? []),
    docs.router,
    createConsoleApiRouter({ engine, config, limiter: clientLimiter }),
    createConsoleRouter(),
    publicRoutes({ engine, config, metrics, validator }),
    clientRoutes({ engine, config, auth, validator, limiter: clientLimiter }),
    workerRoutes({
      engine,
      config,
      auth,
      validator,
      limiter: createRateLimiter(config.rateLimitWorker, 'worker', now),
      shutdown: draining.signal,
    }),
  ];

  const koa = new Koa<AppState>({ proxy: false });
  // Koa would print errors that reach it; the error middleware answers all of them first.
  koa.silent = true;
  koa.use(metrics.httpMiddleware());
  koa.use(async (ctx, next) => {
    const started = now();
    // API replies are data about one caller's jobs: never cached by a proxy, never sniffed as HTML.
    ctx.set('X-Content-Type-Options', 'nosniff');
    if (!ctx.path.startsWith('/_public/')) ctx.set('Cache-Control', 'no-store');
    await next();
    logger.debug({ method: ctx.method, route: routeTemplate(ctx), status: ctx.status, ms: now() - started }, 'request');
  });
  koa.use(errorMiddleware(logger));
  koa.use(bodyMiddleware(config.maxBodyBytes));
  for (const router of routers) koa.use(router.routes());
  const createPaths = [...engine.blueprints.values()].map(createPath).filter((path): path is string => path !== null);
  const clientAuth = requireClient(auth);
  const workerAuth = requireWorker(auth);
  const unmatched = async (ctx: AppContext): Promise<void> => {
    // A POST under /api is always meant to create a job: say which endpoints exist.
    if (ctx.method === 'POST' && ctx.path.startsWith('/api/')) {
      throw new SwitchyardError('ENDPOINT_NOT_FOUND', 404, `no blueprint serves POST ${ctx.path}; GET /api/v1/blueprints lists the endpoints`, {
        endpoints: createPaths,
      });
    }
    const allowed = new Set<string>();
    for (const router of routers) {
      for (const layer of router.match(ctx.path, ctx.method).path) for (const method of layer.methods) allowed.add(method);
    }
    if (allowed.size > 0) throw new MethodNotAllowedError(ctx.method, ctx.path, [...allowed].sort());
    throw routeNotFound(ctx.method, ctx.path);
  };
  // Under /api and /_worker even a path that does not exist asks for the token first, so a caller
  // without one learns nothing about which routes exist.
  koa.use(async (ctx: AppContext) => {
    if (ctx.path === '/api' || ctx.path.startsWith('/api/')) return clientAuth(ctx, () => unmatched(ctx));
    if (ctx.path === '/_worker' || ctx.path.startsWith('/_worker/')) return workerAuth(ctx, () => unmatched(ctx));
    return unmatched(ctx);
  });

  return Object.assign(koa, {
    sockets,
    routers,
    ready: () => docs.ready(),
    drain: () => draining.abort(),
  });
}
