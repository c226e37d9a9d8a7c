/**
 * Prometheus metrics for one Switchyard app. Every app instance gets its own prom-client `Registry`
 * (never the global default one), so two servers in one process, as in tests, never clash. Names
 * follow the Prometheus rules: a `switchyard_` prefix, base units in the name (`_seconds`), and
 * `_total` on counters. Labels are bounded: blueprint names, task types and route templates come from
 * the loaded configuration, never from raw request paths.
 */
import type { Middleware } from 'koa';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EngineMetrics } from '../engine/ports.js';

/** The engine defines what it reports (src/engine/ports.ts); this module counts it with prom-client. */
export type { EngineMetrics } from '../engine/ports.js';

export const METRIC_PREFIX = 'switchyard_';

/** Read on every scrape, so the numbers are those of the store, not of one process's memory. */
export interface MetricSources {
  queueDepth?: () => Promise<Readonly<Record<string, number>>>;
  liveWorkers?: () => Promise<number>;
  /** Told when a source fails during a scrape; that gauge is left empty for the scrape. */
  onSourceError?: (error: unknown, metric: string) => void;
}

export interface Metrics {
  readonly registry: Registry;
  readonly engine: EngineMetrics;
  /** Sets (or replaces) the callbacks read on scrape; the engine usually exists after the metrics. */
  setSources(sources: MetricSources): void;
  /** Koa middleware timing every request by route template, method and status code. */
  httpMiddleware(): Middleware;
  /** The exposition text for `GET /_public/metrics`. */
  render(): Promise<string>;
  readonly contentType: string;
}

export interface CreateMetricsOptions {
  /** Default: true. Off only where process metrics would be noise (e.g. many registries in one test). */
  defaultMetrics?: boolean;
  sources?: MetricSources;
}

// Jobs last from milliseconds (all-`set` blueprints) to hours (human approvals).
const JOB_DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600];
// Long-polls hold requests up to 60 s, so the top buckets matter as much as the fast ones.
const HTTP_DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** Route label for a request that matched no route: raw paths would make cardinality unbounded. */
export const UNMATCHED_ROUTE = 'unmatched';

export function createMetrics(options: CreateMetricsOptions = {}): Metrics {
  const registry = new Registry();
  const registers = [registry];
  let sources: MetricSources = options.sources ?? {};

  if (options.defaultMetrics !== false) {
    collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  }

  const jobsCreated = new Counter({
    name: `${METRIC_PREFIX}jobs_created_total`,
    help: 'Jobs created, by blueprint.',
    labelNames: ['blueprint'] as const,
    registers,
  });
  const jobsEnded = new Counter({
    name: `${METRIC_PREFIX}jobs_ended_total`,
    help: 'Jobs that reached a terminal status, by blueprint and status.',
    labelNames: ['blueprint', 'status'] as const,
    registers,
  });
  const jobDuration = new Histogram({
    name: `${METRIC_PREFIX}job_duration_seconds`,
    help: 'Time from job creation to its terminal status, by blueprint and status.',
    labelNames: ['blueprint', 'status'] as const,
    buckets: JOB_DURATION_BUCKETS,
    registers,
  });
  const tasksQueued = new Counter({
    name: `${METRIC_PREFIX}tasks_queued_total`,
    help: 'Tasks put on a queue (retries included), by task type.',
    labelNames: ['task_type'] as const,
    registers,
  });
  const tasksLeased = new Counter({
    name: `${METRIC_PREFIX}tasks_leased_total`,
    help: 'Tasks handed to a worker, by task type.',
    labelNames: ['task_type'] as const,
    registers,
  });
  const tasksCompleted = new Counter({
    name: `${METRIC_PREFIX}tasks_completed_total`,
    help: 'Tasks that ended an attempt, by task type and outcome.',
    labelNames: ['task_type', 'outcome'] as const,
    registers,
  });
  const pollsWaiting = new Gauge({
    name: `${METRIC_PREFIX}long_polls_waiting`,
    help: 'Worker long-polls (tasks/next) this process is holding open.',
    registers,
  });
  const webhookDeliveries = new Counter({
    name: `${METRIC_PREFIX}webhook_deliveries_total`,
    help: 'Job webhook delivery tries, by outcome.',
    labelNames: ['outcome'] as const,
    registers,
  });
  const httpDuration = new Histogram({
    name: `${METRIC_PREFIX}http_request_duration_seconds`,
    help: 'HTTP request duration, by route template, method and status code.',
    labelNames: ['route', 'method', 'code'] as const,
    buckets: HTTP_DURATION_BUCKETS,
    registers,
  });

  new Gauge({
    name: `${METRIC_PREFIX}queue_depth`,
    help: 'Tasks waiting on a queue for a worker, by task type (read from the store on scrape).',
    labelNames: ['task_type'] as const,
    registers,
    async collect() {
      // Reset first: a task type whose queue vanished must not keep reporting its last depth.
      this.reset();
      if (!sources.queueDepth) return;
      try {
        for (const [taskType, depth] of Object.entries(await sources.queueDepth())) {
          this.set({ task_type: taskType }, depth);
        }
      } catch (error) {
        sources.onSourceError?.(error, 'queue_depth');
      }
    },
  });
  new Gauge({
    name: `${METRIC_PREFIX}live_workers`,
    help: 'Workers whose heartbeat has not expired (read from the store on scrape).',
    registers,
    async collect() {
      this.reset();
      if (!sources.liveWorkers) return;
      try {
        this.set(await sources.liveWorkers());
      } catch (error) {
        sources.onSourceError?.(error, 'live_workers');
      }
    },
  });

  const engine: EngineMetrics = {
    jobCreated: (blueprint) => jobsCreated.inc({ blueprint }),
    jobEnded: (blueprint, status, durationSeconds) => {
      jobsEnded.inc({ blueprint, status });
      jobDuration.observe({ blueprint, status }, Math.max(0, durationSeconds));
    },
    taskQueued: (taskType) => tasksQueued.inc({ task_type: taskType }),
    taskLeased: (taskType) => tasksLeased.inc({ task_type: taskType }),
    taskCompleted: (taskType, outcome) => tasksCompleted.inc({ task_type: taskType, outcome }),
    pollWaiting: (delta) => pollsWaiting.inc(delta),
    webhookDelivery: (outcome) => webhookDeliveries.inc({ outcome }),
  };

  const httpMiddleware = (): Middleware => async (ctx, next) => {
    const end = httpDuration.startTimer({ method: ctx.method });
    const routeOf = (): string => {
      // @koa/router stores the template of the route that handled the request (with its prefix).
      const matched: unknown = (ctx as { _matchedRoute?: unknown })._matchedRoute;
      return typeof matched === 'string' ? matched : UNMATCHED_ROUTE;
    };
    try {
      await next();
      end({ route: routeOf(), code: String(ctx.status) });
    } catch (error) {
      // An error escaping here is answered by Koa's own handler: its status, or 500.
      const status = (error as { status?: unknown }).status;
      end({ route: routeOf(), code: String(typeof status === 'number' ? status : 500) });
      throw error;
    }
  };

  return {
    registry,
    engine,
    setSources: (next) => {
      sources = next;
    },
    httpMiddleware,
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
