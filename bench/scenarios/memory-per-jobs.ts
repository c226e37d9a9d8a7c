import { runLoad } from '../load/run-load.js';
import { fmt, fmtInt, fmtMb, fmtTimes, type Table } from '../report/table.js';
import { CEILING, MEMORY, REDIS_1, eachTarget, failedCells, redisSkipReason, selectTargets, targetName, withTarget, type TargetSpec } from '../targets.js';
import type { Scenario } from './scenario.js';
import { loadOptionsFor } from './throughput.js';

/**
 * Memory held for ended jobs: heap used in the server after a full GC, before and after N single-task
 * jobs have run to the end, scaled to 100,000 jobs. On Redis the jobs live in Redis, so its
 * used_memory is reported too.
 */
interface MemoryRow {
  target: string;
  jobs: number;
  heapPer100kBytes: number;
  rssPer100kBytes: number;
  redisPer100kBytes: number;
  jobsPerSecond: number;
}

export const memoryPerJobs: Scenario = {
  name: 'memory-per-jobs',
  description: 'memory per 100,000 ended single-task jobs (server heap after GC; Redis used_memory)',
  external: false,
  async run(ctx) {
    const jobs = ctx.quick ? 1000 : 100_000;
    const notes: string[] = [];
    const targets: TargetSpec[] = [CEILING, MEMORY];
    const skip = redisSkipReason(ctx.settings);
    if (skip) notes.push(`Redis skipped: ${skip}`);
    else targets.push(REDIS_1);
    const outcomes = await eachTarget(selectTargets(ctx.settings, targets), ctx.log, async (spec): Promise<MemoryRow> => {
      ctx.log(`  memory-per-jobs: ${targetName(spec)} (${fmtInt(jobs)} jobs)`);
      return withTarget(spec, ctx.settings, { ceiling: { tasksPerJob: 1, parallel: false } }, async (target) => {
          const plan = {
            scenario: 'memory-per-jobs',
            endpoint: '/api/v1/jobs/bench_single',
            initialData: { n: 1 },
            ceiling: { tasksPerJob: 1, parallel: false },
            mode: 'burst' as const,
            clients: 64,
            workers: 16,
            pollers: 0,
            jobs: ctx.quick ? 100 : 500,
            durationMs: 0,
            warmupMs: 0,
          };
          const server = target.servers[0]!;
          await runLoad(loadOptionsFor(plan, target, ctx), []);
          const before = await server.probe('gc');
          const redisBefore = target.redis ? Number((await target.redis.info('memory')).used_memory) : Number.NaN;
          const result = await runLoad(loadOptionsFor({ ...plan, jobs }, target, ctx), target.watched);
          const after = await server.probe('gc');
          const redisAfter = target.redis ? Number((await target.redis.info('memory')).used_memory) : Number.NaN;
          const scale = 100_000 / result.jobs;
          if (result.jobs !== jobs) ctx.log(`    only ${result.jobs} of ${jobs} jobs ended (${result.firstError ?? 'no error'})`);
          return {
            target: targetName(spec),
            jobs: result.jobs,
            heapPer100kBytes: (after.heapUsedBytes - before.heapUsedBytes) * scale,
            rssPer100kBytes: (after.rssBytes - before.rssBytes) * scale,
            redisPer100kBytes: (redisAfter - redisBefore) * scale,
            jobsPerSecond: result.jobsPerSecond,
          };
        });
    });
    const ceiling = outcomes[0]?.value;
    const table: Table = {
      title: 'memory per 100,000 ended single-task jobs',
      columns: ['target', 'jobs run', 'server heap MB / 100k', 'heap x ceiling', 'server RSS MB / 100k', 'redis used_memory MB / 100k', 'burst jobs/s'],
      rows: outcomes.map(({ spec, value: r, failure }) => !r ? failedCells(targetName(spec), failure ?? '', 7) : [
        r.target,
        fmtInt(r.jobs),
        fmtMb(r.heapPer100kBytes),
        fmtTimes(r.heapPer100kBytes, ceiling?.heapPer100kBytes),
        fmtMb(r.rssPer100kBytes),
        fmtMb(r.redisPer100kBytes),
        fmtInt(r.jobsPerSecond),
      ]),
      notes: [
        `heap used after a forced GC, after minus before, scaled from ${fmtInt(jobs)} jobs; ended jobs are kept (JOB_RETENTION default)`,
        `the ceiling keeps a small record per job, for scale: ${fmt(ceiling ? ceiling.heapPer100kBytes / 100_000 : Number.NaN, 0)} bytes per job`,
        ...notes,
      ],
    };
    return { tables: [table], data: outcomes };
  },
};
