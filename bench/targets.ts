import { randomBytes } from 'node:crypto';
import { spawnServer, type ServerChild } from './child/spawn.js';
import type { WatchedProcess } from './load/run-load.js';
import type { ApiOptions } from './load/options.js';
import { hasRedisServer, startRedis, type BenchRedis } from './redis/redis-server.js';

/**
 * What a scenario runs against: the bare Koa ceiling, Switchyard on the memory store, Switchyard on
 * Redis with one or two processes sharing one redis-server, or an external server given by --url.
 * Each scenario starts its targets fresh (new processes, empty Redis), so figures never leak between
 * scenarios.
 */
export type TargetKind = 'ceiling' | 'memory' | 'redis' | 'external';

export interface TargetSpec {
  kind: TargetKind;
  processes: number;
}

export const CEILING: TargetSpec = { kind: 'ceiling', processes: 1 };
export const MEMORY: TargetSpec = { kind: 'memory', processes: 1 };
export const REDIS_1: TargetSpec = { kind: 'redis', processes: 1 };
export const REDIS_2: TargetSpec = { kind: 'redis', processes: 2 };

export function targetName(spec: TargetSpec): string {
  return spec.kind === 'redis' ? `redis x${spec.processes}` : spec.kind;
}

/** How the ceiling imitates a scenario's blueprint: tasks per job, in sequence or all at once. */
export interface CeilingShape {
  tasksPerJob: number;
  parallel: boolean;
}

/** Another orchestrator of the same API (`--url`): how to reach it, and its pid for CPU and RSS if local. */
export type ExternalServer = Omit<ApiOptions, 'pollTimeoutS'> & { pid?: number };

export interface BenchSettings {
  logLevel: string;
  /** Write V8 CPU profiles of the Switchyard processes into this directory. */
  cpuProfileDir?: string;
  external?: ExternalServer;
  redisAvailable: boolean;
  /** Why Redis set-ups are skipped (--no-redis, or redis-server missing). */
  redisSkip?: string;
  /** --quick: keep each target running across scenarios instead of starting it fresh for each. */
  pool?: TargetPool;
  /** --targets: the set-ups to run besides the ceiling (names as in targetKey). */
  only?: string[];
}

/** The name a set-up has on the command line (--targets). */
export function targetKey(spec: TargetSpec): string {
  return spec.kind === 'redis' ? `redis-${spec.processes}` : spec.kind;
}

/** Drops the set-ups that --targets left out; the ceiling and an external server always stay. */
export function selectTargets(settings: BenchSettings, specs: TargetSpec[]): TargetSpec[] {
  const only = settings.only;
  if (!only) return specs;
  return specs.filter((spec) => spec.kind === 'ceiling' || spec.kind === 'external' || only.includes(targetKey(spec)));
}

export interface RunningTarget {
  spec: TargetSpec;
  urls: string[];
  clientToken: string;
  workerToken: string;
  servers: ServerChild[];
  redis?: BenchRedis;
  /** Processes whose CPU and peak RSS are read: the servers, then redis-server. */
  watched: WatchedProcess[];
  stop(): Promise<void>;
}

export interface StartOptions {
  ceiling: CeilingShape;
  /** Extra environment for Switchyard (e.g. WORKER_POLL_TIMEOUT). */
  env?: Record<string, string>;
  /** Point Switchyard at this Redis URL instead of the fresh server's (the round-trip proxy). */
  redisUrlOverride?: (redis: BenchRedis) => Promise<string>;
}

export function redisSkipReason(settings: BenchSettings): string | undefined {
  return settings.redisAvailable ? undefined : (settings.redisSkip ?? 'redis-server is not installed (apt-get install -y redis-server)');
}

export function detectRedis(): boolean {
  return hasRedisServer();
}

/** V8 CPU profile flags: one directory per process, as the main thread and tsx's loader thread each write one. */
function profileFlags(settings: BenchSettings, spec: TargetSpec, index: number): string[] {
  if (!settings.cpuProfileDir) return [];
  return ['--cpu-prof', `--cpu-prof-dir=${settings.cpuProfileDir}/${spec.kind}-x${spec.processes}-p${index + 1}-${Date.now()}`];
}

export async function startTarget(spec: TargetSpec, settings: BenchSettings, options: StartOptions): Promise<RunningTarget> {
  if (spec.kind === 'external') {
    const external = settings.external!;
    return {
      spec,
      urls: external.urls,
      clientToken: external.clientToken,
      workerToken: external.workerToken,
      servers: [],
      watched: external.pid === undefined ? [] : [{ label: 'server', pid: external.pid }],
      stop: async () => {},
    };
  }
  const clientToken = randomBytes(16).toString('hex');
  const workerToken = randomBytes(16).toString('hex');
  const servers: ServerChild[] = [];
  let redis: BenchRedis | undefined;
  try {
    if (spec.kind === 'ceiling') {
      servers.push(
        await spawnServer({
          label: 'ceiling',
          script: 'bench/ceiling-server.ts',
          env: {
            BENCH_CLIENT_TOKEN: clientToken,
            BENCH_WORKER_TOKEN: workerToken,
            BENCH_TASKS_PER_JOB: String(options.ceiling.tasksPerJob),
            BENCH_PARALLEL: options.ceiling.parallel ? '1' : '0',
          },
          nodeFlags: profileFlags(settings, spec, 0),
        }),
      );
    } else {
      let redisUrl: string | undefined;
      if (spec.kind === 'redis') {
        redis = await startRedis();
        redisUrl = options.redisUrlOverride ? await options.redisUrlOverride(redis) : redis.url;
      }
      const started = await Promise.allSettled(
        Array.from({ length: spec.processes }, (_, i) =>
          spawnServer({
            label: `switchyard-${i + 1}`,
            script: 'bench/server-process.ts',
            env: {
              PORT: '0',
              HOST: '127.0.0.1',
              BLUEPRINTS_DIR: 'bench/blueprints',
              CLIENT_TOKEN: clientToken,
              GLOBAL_WORKER_TOKEN: workerToken,
              LOG_LEVEL: settings.logLevel,
              WORKER_POLL_TIMEOUT: '60s',
              MAX_FAN_OUT: '100000',
              ...(redisUrl === undefined ? {} : { REDIS_URL: redisUrl }),
              ...options.env,
            },
            nodeFlags: profileFlags(settings, spec, i),
          }),
        ),
      );
      for (const s of started) if (s.status === 'fulfilled') servers.push(s.value);
      const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason;
    }
  } catch (error) {
    await Promise.all(servers.map((s) => s.stop()));
    await redis?.stop();
    throw error;
  }
  const watched: WatchedProcess[] = servers.map((s) => ({ label: s.label, pid: s.pid }));
  if (redis) watched.push({ label: 'redis-server', pid: redis.pid });
  const result: RunningTarget = {
    spec,
    urls: servers.map((s) => s.url),
    clientToken,
    workerToken,
    servers,
    watched,
    async stop() {
      await Promise.all(servers.map((s) => s.stop()));
      await redis?.stop();
    },
  };
  if (redis) result.redis = redis;
  return result;
}

/**
 * Targets kept running for the whole bench (--quick, where start-ups would dominate): one per kind and
 * process count; the ceiling is re-shaped over IPC for each scenario. Figures from a reused server
 * include what earlier scenarios left in it, which is why full runs start every target fresh.
 */
export class TargetPool {
  private readonly running = new Map<string, Promise<RunningTarget>>();

  async get(spec: TargetSpec, settings: BenchSettings, options: StartOptions): Promise<RunningTarget> {
    const key = `${spec.kind}:${spec.processes}`;
    let target = this.running.get(key);
    if (!target) {
      target = startTarget(spec, settings, options);
      this.running.set(key, target);
      target.catch(() => this.running.delete(key));
    }
    const ready = await target;
    if (spec.kind === 'ceiling') {
      await ready.servers[0]!.probe('configure', { tasksPerJob: options.ceiling.tasksPerJob, parallel: options.ceiling.parallel });
    }
    return ready;
  }

  /** Starts these set-ups at once (in parallel), so that scenarios find them running. */
  async prestart(specs: TargetSpec[], settings: BenchSettings): Promise<void> {
    const shape = { ceiling: { tasksPerJob: 1, parallel: false } };
    await Promise.allSettled(specs.map((spec) => this.get(spec, settings, shape)));
  }

  async close(): Promise<void> {
    const all = await Promise.allSettled(this.running.values());
    this.running.clear();
    await Promise.all(all.map((t) => (t.status === 'fulfilled' ? t.value.stop() : undefined)));
  }
}

/** Starts a target (or takes it from the pool), runs `body`, and stops it unless it is pooled. */
export async function withTarget<T>(
  spec: TargetSpec,
  settings: BenchSettings,
  options: StartOptions,
  body: (target: RunningTarget) => Promise<T>,
): Promise<T> {
  const pooled = settings.pool !== undefined && options.redisUrlOverride === undefined && options.env === undefined;
  if (pooled) return body(await settings.pool!.get(spec, settings, options));
  const target = await startTarget(spec, settings, options);
  try {
    return await body(target);
  } finally {
    await target.stop();
  }
}

/** Runs `body` for each target; a target that fails is logged and reported as a failure, not thrown. */
export async function eachTarget<T>(
  specs: TargetSpec[],
  log: (message: string) => void,
  body: (spec: TargetSpec) => Promise<T>,
): Promise<Array<{ spec: TargetSpec; value?: T; failure?: string }>> {
  const out: Array<{ spec: TargetSpec; value?: T; failure?: string }> = [];
  for (const spec of specs) {
    try {
      out.push({ spec, value: await body(spec) });
    } catch (error) {
      const failure = error instanceof Error ? error.message.split('\n')[0]! : String(error);
      log(`    ${targetName(spec)} failed: ${error instanceof Error ? error.message : String(error)}`);
      out.push({ spec, failure });
    }
  }
  return out;
}

export function failedCells(target: string, failure: string, width: number): string[] {
  return [target, `failed: ${failure.slice(0, 100)}`, ...Array.from({ length: width - 2 }, () => '-')];
}
