import { fmt, fmtInt, fmtPct, type Table } from '../report/table.js';
import type { Scenario } from './scenario.js';
import { shapeOf } from './shape.js';
import { runThroughputPlans, standardTargets, throughputTable, type ThroughputRow } from './throughput.js';

/** Single-task closed loop without and with 64 status pollers: how much read load costs throughput. */
export const statusPollers: Scenario = {
  name: 'status-pollers',
  description: '64 concurrent status pollers (GET /api/v1/jobs/{id} in a loop) during single-task load',
  external: true,
  async run(ctx) {
    const pollers = 64;
    const notes: string[] = [];
    const targets = standardTargets(ctx, notes);
    const base = {
      scenario: 'status-pollers',
      endpoint: '/api/v1/jobs/bench_single',
      initialData: { n: 1 },
      ceiling: { tasksPerJob: 1, parallel: false },
      mode: 'closed' as const,
      jobs: 0,
      ...shapeOf(ctx),
    };
    const [without, withPollers] = (await runThroughputPlans(ctx, [{ ...base, pollers: 0 }, { ...base, pollers }], targets)) as [
      ThroughputRow[],
      ThroughputRow[],
    ];
    const summary: Table = {
      title: `${pollers} status pollers: throughput cost`,
      columns: ['target', 'jobs/s without', `jobs/s with ${pollers}`, 'drop', 'status reads/s', 'p99 ms with', 'vs ceiling (with)'],
      rows: without.map((row, i) => {
        const other = withPollers[i]!;
        return [
          row.target,
          fmtInt(row.result.jobsPerSecond),
          fmtInt(other.result.jobsPerSecond),
          fmtPct(1 - other.result.jobsPerSecond / row.result.jobsPerSecond),
          fmtInt(other.result.pollerReadsPerSecond),
          fmt(other.result.latencyMs.p99),
          fmtPct(other.ratio),
        ];
      }),
      notes: ['target: the drop is under 20%', ...notes],
    };
    return {
      tables: [summary, throughputTable(`single-task with ${pollers} status pollers`, 'status-pollers', withPollers)],
      data: { without, with: withPollers },
    };
  },
};
