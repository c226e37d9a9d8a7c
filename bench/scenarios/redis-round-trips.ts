import { ApiClient } from '../load/api-client.js';
import { JobTracker } from '../load/job-tracker.js';
import { startWorkers } from '../load/workers.js';
import { fmt, type Table } from '../report/table.js';
import { diffCounts, startRoundTripProxy, type RoundTripCounts, type RoundTripProxy } from '../redis/round-trip-proxy.js';
import { REDIS_1, redisSkipReason, withTarget } from '../targets.js';
import type { Scenario } from './scenario.js';

/**
 * Redis round trips per task lifecycle (create -> queue -> lease -> result -> end of a single-task
 * job), counted by a TCP proxy between Switchyard and Redis (bench/redis/round-trip-proxy.ts). Jobs
 * run one at a time, so no round trip is shared between jobs. What the server does anyway while idle
 * (timer sweeps, the waiting worker's poll) is measured over a quiet second and taken off pro rata,
 * and so is the one status read the bench makes to see each job end.
 */
export interface RoundTripFigures {
  jobs: number;
  perJob: number;
  /** The same, from the store's own counter (each script, command or pipeline once). */
  storePerJob: number;
  commandsPerJob: number;
  rawPerJob: number;
  idlePerSecond: number;
  statusReadPerRead: number;
  byCommandPerJob: Record<string, number>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export const ROUND_TRIP_BUDGET = 6;

export async function measureRoundTrips(
  urls: string[],
  clientToken: string,
  workerToken: string,
  proxy: RoundTripProxy,
  jobs: number,
  storeCount: () => Promise<number>,
): Promise<RoundTripFigures> {
  const api = new ApiClient(
    {
      urls,
      clientToken,
      workerToken,
      clientHeader: 'X-Client-Token',
      workerHeader: 'X-Worker-Token',
      endpoint: '/api/v1/jobs/bench_single',
      taskType: 'echo',
      pollTimeoutS: 60,
    },
    { clientConnections: 2, workerConnections: 4 },
  );
  const tracker = new JobTracker(api, 10_000);
  const fleet = await startWorkers(api, { count: 1, idPrefix: `trips-${process.pid}` }, {
    onResult: (task) => tracker.onResult(task.job_id),
    onError: (e) => tracker.noteError(e),
  });
  const runJobs = async (count: number): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 0; i < count; i += 1) {
      const id = await api.createJob(0, { n: i });
      const outcome = await tracker.track(id, performance.now(), 0);
      if (outcome.status !== 'finished') throw new Error(`job ${id} ended ${outcome.status}`);
      ids.push(id);
    }
    return ids;
  };
  try {
    await runJobs(20); // warm-up: scripts loaded, connections open
    await sleep(200);
    const idle0 = proxy.snapshot();
    const idleStore0 = await storeCount();
    const idleStart = performance.now();
    await sleep(1000);
    const idle = diffCounts(idle0, proxy.snapshot());
    const idleStore = (await storeCount()) - idleStore0;
    const idleSeconds = (performance.now() - idleStart) / 1000;

    const run0 = proxy.snapshot();
    const runStore0 = await storeCount();
    const runStart = performance.now();
    const ids = await runJobs(jobs);
    await sleep(50); // writes that follow the reply (history, metrics) land
    const run = diffCounts(run0, proxy.snapshot());
    const runStore = (await storeCount()) - runStore0;
    const runSeconds = (performance.now() - runStart) / 1000;

    const read0 = proxy.snapshot();
    const readStore0 = await storeCount();
    for (const id of ids) await api.jobStatus(0, id);
    const reads = diffCounts(read0, proxy.snapshot());
    const readStore = (await storeCount()) - readStore0;

    const idlePerSecond = idle.roundTrips / idleSeconds;
    const perJob = (run.roundTrips - idlePerSecond * runSeconds - reads.roundTrips) / jobs;
    const per = (counts: RoundTripCounts): Record<string, number> =>
      Object.fromEntries(Object.entries(counts.byCommand).map(([name, n]) => [name, n / jobs]));
    return {
      jobs,
      perJob,
      storePerJob: (runStore - (idleStore / idleSeconds) * runSeconds - readStore) / jobs,
      commandsPerJob: (run.commands - (idle.commands / idleSeconds) * runSeconds - reads.commands) / jobs,
      rawPerJob: run.roundTrips / jobs,
      idlePerSecond,
      statusReadPerRead: reads.roundTrips / ids.length,
      byCommandPerJob: per(run),
    };
  } finally {
    await fleet.stop();
    tracker.close();
    await api.close();
  }
}

export const redisRoundTrips: Scenario = {
  name: 'redis-round-trips',
  description: `Redis round trips per single-task job lifecycle (budget ${ROUND_TRIP_BUDGET})`,
  external: false,
  async run(ctx) {
    const skip = redisSkipReason(ctx.settings);
    if (skip) {
      ctx.log(`  redis-round-trips skipped: ${skip}`);
      return { tables: [{ title: 'Redis round trips per job', columns: ['skipped'], rows: [[skip]] }], data: { skipped: skip } };
    }
    const jobs = ctx.quick ? 30 : 300;
    let proxy: RoundTripProxy | undefined;
    ctx.log(`  redis-round-trips: redis x1 through the counting proxy (${jobs} jobs, one at a time)`);
    const figures = await withTarget(
      REDIS_1,
      ctx.settings,
      {
        ceiling: { tasksPerJob: 1, parallel: false },
        redisUrlOverride: async (redis) => {
          proxy = await startRoundTripProxy(redis.port);
          return proxy.url;
        },
      },
      async (target) => {
        try {
          const server = target.servers[0]!;
          const storeCount = async (): Promise<number> => (await server.probe('stats')).extra.storeRoundTrips ?? Number.NaN;
          return await measureRoundTrips(target.urls, target.clientToken, target.workerToken, proxy!, jobs, storeCount);
        } finally {
          await proxy?.close();
        }
      },
    );
    const commands = Object.entries(figures.byCommandPerJob)
      .sort((a, b) => b[1] - a[1])
      .map(([name, n]) => `${name} ${fmt(n, 2)}`)
      .join(', ');
    const table: Table = {
      title: 'Redis round trips per single-task job (create, queue, lease, result, end)',
      columns: ['round trips / job (wire)', 'by the store\'s counter', 'budget', 'commands / job', 'raw round trips / job', 'idle round trips / s', 'round trips / status read'],
      rows: [
        [
          fmt(figures.perJob, 2),
          fmt(figures.storePerJob, 2),
          String(ROUND_TRIP_BUDGET),
          fmt(figures.commandsPerJob, 2),
          fmt(figures.rawPerJob, 2),
          fmt(figures.idlePerSecond, 1),
          fmt(figures.statusReadPerRead, 2),
        ],
      ],
      notes: [
        `commands per job as sent (scripts count once; not net of idle/status reads): ${commands}`,
        'round trips / job = (raw - idle rate x run time - the status reads the bench made) / jobs',
        'wire: counted by a TCP proxy between Switchyard and Redis; store: RedisStore.roundTrips(), as test/redis/round-trips.test.ts asserts',
      ],
    };
    return { tables: [table], data: figures };
  },
};
