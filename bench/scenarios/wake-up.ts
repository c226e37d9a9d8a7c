import { ApiClient } from '../load/api-client.js';
import { nowMs, summarize, type LatencySummary } from '../load/stats.js';
import { startWorkers } from '../load/workers.js';
import { fmt, fmtTimes, type Table } from '../report/table.js';
import { eachTarget, failedCells, targetName, withTarget } from '../targets.js';
import type { Scenario } from './scenario.js';
import { loadOptionsFor, standardTargets } from './throughput.js';

/**
 * Wake-up latency: one worker's long-poll is already waiting when a client creates a job; the time
 * from sending the create to the worker receiving the task. Jobs are created one at a time with a
 * pause, so the poll is always parked first. With two processes, the job is created on one and the
 * worker waits on the other, so the wake-up crosses processes through Redis.
 */
interface WakeRow {
  target: string;
  processes: number;
  wakeMs: LatencySummary;
  createMs: LatencySummary;
  missed: number;
}

export const wakeUp: Scenario = {
  name: 'wake-up',
  description: 'latency from creating a job to a waiting long-poll receiving its task (p50/p99)',
  external: true,
  async run(ctx) {
    const samples = ctx.quick ? 20 : 500;
    const notes: string[] = [];
    const outcomes = await eachTarget(standardTargets(ctx, notes), ctx.log, async (spec): Promise<WakeRow> => {
      ctx.log(`  wake-up: ${targetName(spec)} (${samples} jobs, one at a time)`);
      const row = await withTarget(spec, ctx.settings, { ceiling: { tasksPerJob: 1, parallel: false } }, async (target) => {
        const options = loadOptionsFor(
          {
            scenario: 'wake-up',
            endpoint: '/api/v1/jobs/bench_single',
            initialData: { n: 1 },
            ceiling: { tasksPerJob: 1, parallel: false },
            mode: 'closed',
            clients: 1,
            workers: 1,
            pollers: 0,
            jobs: 0,
            durationMs: 0,
            warmupMs: 0,
          },
          target,
          ctx,
        );
        const api = new ApiClient(options.api, { clientConnections: 2, workerConnections: 4 });
        let arrived: ((at: number) => void) | undefined;
        const fleet = await startWorkers(
          api,
          { count: 1, idPrefix: `wake-${process.pid}`, urlOffset: target.urls.length > 1 ? 1 : 0 },
          { onTask: (_task, at) => arrived?.(at), onError: () => {} },
        );
        const wake: number[] = [];
        const create: number[] = [];
        let missed = 0;
        try {
          for (let i = 0; i < samples + 5; i += 1) {
            // Let the worker post its result and park its next poll.
            await new Promise((resolve) => setTimeout(resolve, 15));
            const received = new Promise<number>((resolve) => {
              const timer = setTimeout(() => resolve(Number.NaN), 5000);
              arrived = (at) => {
                clearTimeout(timer);
                resolve(at);
              };
            });
            const t0 = nowMs();
            await api.createJob(0, options.initialData);
            const created = nowMs();
            const at = await received;
            arrived = undefined;
            if (i < 5) continue; // warm-up
            if (Number.isNaN(at)) missed += 1;
            else wake.push(at - t0);
            create.push(created - t0);
          }
        } finally {
          await fleet.stop();
          await api.close();
        }
        return { target: targetName(spec), processes: spec.processes, wakeMs: summarize(wake), createMs: summarize(create), missed };
      });
      return row;
    });
    const ceiling = outcomes.find((o) => o.spec.kind === 'ceiling')?.value;
    const table: Table = {
      title: 'long-poll wake-up (create sent -> task received by the waiting worker)',
      columns: ['target', 'procs', 'wake p50 ms', 'p50 x ceiling', 'wake p99 ms', 'p99 x ceiling', 'wake max ms', 'create reply p50 ms', 'create reply p99 ms', 'missed'],
      rows: outcomes.map(({ spec, value: r, failure }) => !r ? failedCells(targetName(spec), failure ?? '', 10) : [
        r.target,
        String(r.processes),
        fmt(r.wakeMs.p50, 2),
        fmtTimes(r.wakeMs.p50, ceiling?.wakeMs.p50),
        fmt(r.wakeMs.p99, 2),
        fmtTimes(r.wakeMs.p99, ceiling?.wakeMs.p99),
        fmt(r.wakeMs.max, 2),
        fmt(r.createMs.p50, 2),
        fmt(r.createMs.p99, 2),
        String(r.missed),
      ]),
      notes: ['target: wake p99 < 5 ms; with 2 processes the job is created on one and the worker polls the other', ...notes],
    };
    return { tables: [table], data: outcomes };
  },
};
