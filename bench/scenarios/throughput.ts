import { DEFAULT_API, type LoadMode, type LoadOptions } from '../load/options.js';
import { runLoad, type LoadResult } from '../load/run-load.js';
import { fmt, fmtInt, fmtMb, fmtPct, type Table } from '../report/table.js';
import {
  CEILING,
  MEMORY,
  REDIS_1,
  REDIS_2,
  redisSkipReason,
  selectTargets,
  targetName,
  withTarget,
  type CeilingShape,
  type RunningTarget,
  type TargetSpec,
} from '../targets.js';
import type { ScenarioContext } from './scenario.js';

/**
 * The shared throughput run: the same load against the ceiling and then each Switchyard set-up, one
 * after the other on the same machine, every figure also given as a ratio of the ceiling's.
 */
export interface ThroughputPlan {
  scenario: string;
  /** Create path on Switchyard (the ceiling takes any). */
  endpoint: string;
  initialData: Record<string, unknown>;
  ceiling: CeilingShape;
  mode: LoadMode;
  clients: number;
  workers: number;
  pollers: number;
  /** Burst: jobs per run. */
  jobs: number;
  durationMs: number;
  warmupMs: number;
}

export interface ThroughputRow {
  target: string;
  processes: number;
  result: LoadResult;
  /** jobs/s divided by the ceiling's jobs/s in the same plan. */
  ratio: number;
  /** Why the target could not be measured (it failed to start or the run threw). */
  failure?: string;
}

export function standardTargets(ctx: ScenarioContext, notes: string[]): TargetSpec[] {
  if (ctx.settings.external) return [CEILING, { kind: 'external', processes: ctx.settings.external.urls.length }];
  const skip = redisSkipReason(ctx.settings);
  if (skip) {
    notes.push(`Redis skipped: ${skip}`);
    return selectTargets(ctx.settings, [CEILING, MEMORY]);
  }
  return selectTargets(ctx.settings, [CEILING, MEMORY, REDIS_1, REDIS_2]);
}

export function loadOptionsFor(plan: ThroughputPlan, target: RunningTarget, ctx: ScenarioContext): LoadOptions {
  const external = ctx.settings.external;
  const isExternal = target.spec.kind === 'external' && external !== undefined;
  return {
    api: {
      ...DEFAULT_API,
      urls: target.urls,
      clientToken: target.clientToken,
      workerToken: target.workerToken,
      clientHeader: isExternal ? external.clientHeader : DEFAULT_API.clientHeader,
      workerHeader: isExternal ? external.workerHeader : DEFAULT_API.workerHeader,
      endpoint: isExternal ? external.endpoint : plan.endpoint,
      taskType: isExternal ? external.taskType : DEFAULT_API.taskType,
    },
    mode: plan.mode,
    jobs: plan.jobs,
    durationMs: plan.durationMs,
    warmupMs: plan.warmupMs,
    clients: plan.clients,
    workers: plan.workers,
    pollers: plan.pollers,
    initialData: plan.initialData,
    // A job that never ends (a lost task) would hold the run this long; a quick run cannot wait a minute.
    jobTimeoutMs: ctx.quick ? 10_000 : 60_000,
  };
}

/** One plan against every target; see runThroughputPlans. */
export async function runThroughput(ctx: ScenarioContext, plan: ThroughputPlan, targets: TargetSpec[]): Promise<ThroughputRow[]> {
  return (await runThroughputPlans(ctx, [plan], targets))[0]!;
}

/**
 * Several plans (same ceiling shape) against every target: each target is started once and runs the
 * plans one after the other, which halves the start-ups of a scenario with two runs. Returns the rows
 * of each plan, ceiling first.
 */
export async function runThroughputPlans(ctx: ScenarioContext, plans: ThroughputPlan[], targets: TargetSpec[]): Promise<ThroughputRow[][]> {
  const rows: ThroughputRow[][] = plans.map(() => []);
  const ceilingRates = plans.map(() => Number.NaN);
  const describe = (plan: ThroughputPlan): string =>
    `${plan.mode}, C=${plan.clients} W=${plan.workers} S=${plan.pollers}${plan.mode === 'burst' ? ` N=${plan.jobs}` : ''}`;
  for (const spec of targets) {
    ctx.log(`  ${plans[0]!.scenario}: ${targetName(spec)} (${plans.map(describe).join('; ')})`);
    let results: LoadResult[];
    try {
      results = await withTarget(spec, ctx.settings, { ceiling: plans[0]!.ceiling }, async (target) => {
        const out: LoadResult[] = [];
        for (const plan of plans) out.push(await runLoad(loadOptionsFor(plan, target, ctx), target.watched));
        return out;
      });
    } catch (error) {
      const failure = error instanceof Error ? error.message : String(error);
      ctx.log(`    ${targetName(spec)} failed: ${failure}`);
      plans.forEach((plan, i) =>
        rows[i]!.push({ target: targetName(spec), processes: spec.processes, result: emptyResult(plan), ratio: Number.NaN, failure }),
      );
      continue;
    }
    results.forEach((result, i) => {
      if (spec.kind === 'ceiling') ceilingRates[i] = result.jobsPerSecond;
      rows[i]!.push({ target: targetName(spec), processes: spec.processes, result, ratio: result.jobsPerSecond / ceilingRates[i]! });
      if (result.errors > 0) ctx.log(`    ${result.errors} errors, first: ${result.firstError}`);
    });
  }
  return rows;
}

function emptyResult(plan: ThroughputPlan): LoadResult {
  const nan = Number.NaN;
  return {
    mode: plan.mode,
    clients: plan.clients,
    workers: plan.workers,
    pollers: plan.pollers,
    jobs: 0,
    unfinishedJobs: 0,
    timedOutJobs: 0,
    windowSeconds: nan,
    jobsPerSecond: nan,
    latencyMs: { count: 0, p50: nan, p95: nan, p99: nan, max: nan, mean: nan },
    tasks: 0,
    pollerReadsPerSecond: nan,
    trackerReads: 0,
    requestsPerJob: { create: nan, status: nan, register: nan, pollWithTask: nan, pollEmpty: nan, result: nan, total: nan },
    generatorCpuSeconds: nan,
    generatorCoreShare: nan,
    processes: [],
    errors: 1,
  };
}

function serverCpuPer1000(result: LoadResult): number {
  const servers = result.processes.filter((p) => p.label !== 'redis-server');
  if (servers.length === 0) return Number.NaN;
  return servers.reduce((sum, p) => sum + p.cpuSecondsPer1000Jobs, 0);
}

function serverPeakRss(result: LoadResult): number {
  const servers = result.processes.filter((p) => p.label !== 'redis-server');
  if (servers.length === 0) return Number.NaN;
  return Math.max(...servers.map((p) => p.peakRssBytes));
}

export const THROUGHPUT_COLUMNS = [
  'scenario',
  'target',
  'procs',
  'mode',
  'jobs/s',
  'vs ceiling',
  'p50 ms',
  'p95 ms',
  'p99 ms',
  'server CPU s/1k jobs',
  'redis CPU s/1k jobs',
  'peak RSS MB',
  'HTTP req/job',
  'generator cores',
  'errors',
];

export function throughputCells(scenario: string, row: ThroughputRow): string[] {
  const r = row.result;
  const redis = r.processes.find((p) => p.label === 'redis-server');
  return [
    scenario,
    row.target,
    String(row.processes),
    r.mode,
    fmtInt(r.jobsPerSecond),
    fmtPct(row.ratio),
    fmt(r.latencyMs.p50),
    fmt(r.latencyMs.p95),
    fmt(r.latencyMs.p99),
    fmt(serverCpuPer1000(r), 3),
    redis ? fmt(redis.cpuSecondsPer1000Jobs, 3) : '-',
    fmtMb(serverPeakRss(r)),
    fmt(r.requestsPerJob.total, 2),
    fmt(r.generatorCoreShare, 2),
    row.failure === undefined ? String(r.errors + r.timedOutJobs + r.unfinishedJobs) : `failed: ${row.failure.split('\n')[0]!.slice(0, 80)}`,
  ];
}

export function throughputTable(title: string, scenario: string, rows: ThroughputRow[], notes: string[] = []): Table {
  return { title, columns: THROUGHPUT_COLUMNS, rows: rows.map((row) => throughputCells(scenario, row)), notes };
}
