/**
 * Wiring: configuration -> blueprints -> store -> engine -> app -> HTTP server, and `close()` that
 * undoes it in reverse order. Besides config.ts, this is the only module that reads `process.env`
 * (for the CLI default) and the only one that knows which store is in use.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { loadBlueprints, formatDiagnostic, sortDiagnostics } from './blueprint/index.js';
import type { CompiledBlueprint } from './blueprint/types.js';
import type { Config } from './config.js';
import type { Engine } from './engine/api.js';
import { createEngine, type EngineLimits, type EngineOptions } from './engine/engine.js';
import { SwitchyardError } from './errors.js';
import { createApp, type SwitchyardApp } from './http/app.js';
import { createBodyValidator } from './http/schemas.js';
import { createAuthenticator } from './http/auth.js';
import { createWorkerSockets } from './http/worker-sockets.js';
import { createRateLimiter } from './http/rate-limit.js';
import { createLogger, type Logger } from './observability/logger.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import { createMemoryStore } from './storage/memory.js';
import type { Store } from './storage/contracts.js';

/** One or more blueprint files are wrong: every diagnostic of every file, one per line. */
export class BlueprintLoadError extends SwitchyardError {
  constructor(readonly lines: string[]) {
    super('BLUEPRINT_ERROR', 500, `blueprints failed to load:\n  ${lines.join('\n  ')}`, lines, true);
  }
}

export interface StartOptions {
  /** A store to use instead of the one the configuration selects (tests; the Redis suite). */
  store?: Store;
  /** The engine's clock; the system clock by default. */
  clock?: EngineOptions['clock'];
  logger?: Logger;
  metrics?: Metrics;
  /** Already compiled blueprints instead of loading `config.blueprintsDir`. */
  blueprints?: ReadonlyMap<string, CompiledBlueprint>;
  /** How often worker sockets are pinged (dead ones are terminated after one missed pong). */
  pingIntervalMs?: number;
  /** Engine internals for tests (sweep interval, webhook backoff). */
  limits?: EngineLimits;
}

export interface RunningSwitchyard {
  readonly url: string;
  readonly port: number;
  readonly engine: Engine;
  readonly store: Store;
  readonly app: SwitchyardApp;
  readonly server: Server;
  /** Graceful: stop accepting, answer polls with 204, finish in-flight requests, close sockets (1001), engine, store. */
  close(): Promise<void>;
}

async function loadOrThrow(dir: string): Promise<Map<string, CompiledBlueprint>> {
  const { blueprints, diagnostics } = await loadBlueprints(dir);
  if (diagnostics.length > 0) throw new BlueprintLoadError(sortDiagnostics(diagnostics).map(formatDiagnostic));
  return blueprints;
}

async function createStore(config: Config): Promise<Store> {
  if (config.redisUrl === undefined) return createMemoryStore({ maxEndedJobs: config.memoryMaxEndedJobs });
  // Imported only when asked for, so the memory store starts without loading ioredis.
  const redis = await import('./storage/redis.js');
  return redis.createRedisStore({ url: config.redisUrl, prefix: config.redisPrefix });
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

export async function startSwitchyard(config: Config, options: StartOptions = {}): Promise<RunningSwitchyard> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const blueprints = options.blueprints ?? (await loadOrThrow(config.blueprintsDir));
  const store = options.store ?? (await createStore(config));
  await store.start();
  const metrics = options.metrics ?? createMetrics();

  const engine = createEngine({
    store,
    blueprints,
    config,
    metrics: metrics.engine,
    logger,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
  });
  const sockets = createWorkerSockets({
    auth: createAuthenticator(config),
    validator: createBodyValidator(),
    logger,
    ...(options.pingIntervalMs === undefined ? {} : { pingIntervalMs: options.pingIntervalMs }),
    limiter: createRateLimiter(config.rateLimitWorker, 'worker'),
    onProgress: (update) => engine.progress(update),
  });
  // Cancels reach the socket this process holds; the engine relays others through the store.
  engine.setWorkerNotifier((workerId, command) => sockets.send(workerId, command));
  metrics.setSources({
    queueDepth: async () => (await engine.dashboard()).queues,
    liveWorkers: async () => (await engine.listWorkers()).length,
    onSourceError: (error, metric) => logger.warn({ err: error, metric }, 'metric source failed'),
  });
  const server = createServer();
  // Slow senders (slowloris) may hold a connection only so long: headers within 10 s, the whole
  // request within 30 s. Long-polls are unaffected: these bound receiving the request, not the reply.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.on('upgrade', (request, socket, head) => sockets.handleUpgrade(request, socket as Socket, head));
  const connections = new Set<Socket>();
  server.on('connection', (socket) => {
    connections.add(socket);
    socket.on('close', () => connections.delete(socket));
  });
  let app: SwitchyardApp;
  let address: AddressInfo;
  try {
    await engine.start();
    app = createApp({ engine, config, metrics, logger, sockets });
    await app.ready();
    server.on('request', app.callback());
    address = await listen(server, config.port, config.host);
  } catch (error) {
    // A start that fails half way (port taken, a graph that cannot be drawn) leaves nothing running.
    await sockets.close();
    await engine.close();
    await store.close();
    throw error;
  }
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  logger.info({ url, store: store.kind, blueprints: [...blueprints.keys()] }, 'switchyard listening');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      app.drain();
      // Keep-alive connections go idle as their last response ends; close each one as soon as it does.
      const sweep = setInterval(() => server.closeIdleConnections(), 25);
      server.closeIdleConnections();
      // In-flight requests get a moment to finish; after that their connections are cut.
      const force = setTimeout(() => {
        for (const socket of connections) socket.destroy();
      }, 5000);
      force.unref();
      await sockets.close();
      await stopped;
      clearInterval(sweep);
      clearTimeout(force);
      await engine.close();
      await store.close();
      logger.info({}, 'switchyard stopped');
    })());

  return { url, port: address.port, engine, store, app, server, close };
}
