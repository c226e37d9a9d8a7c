import type { Scenario } from './scenario.js';
import { shapeOf } from './shape.js';
import { runThroughputPlans, type ThroughputRow, standardTargets, throughputTable } from './throughput.js';

/** The headline figure: one-task jobs, closed loop and burst, against the ceiling. */
export const singleTask: Scenario = {
  name: 'single-task',
  description: 'one-task blueprint: closed loop (C clients each create and wait) and burst (create N, wait for all)',
  external: true,
  async run(ctx) {
    const shape = shapeOf(ctx);
    const notes: string[] = [];
    const targets = standardTargets(ctx, notes);
    const base = {
      scenario: 'single-task',
      endpoint: '/api/v1/jobs/bench_single',
      initialData: { n: 1 },
      ceiling: { tasksPerJob: 1, parallel: false },
      pollers: 0,
      ...shape,
    };
    const [closed, burst] = (await runThroughputPlans(
      ctx,
      [
        { ...base, mode: 'closed', jobs: 0 },
        { ...base, mode: 'burst', jobs: ctx.quick ? 500 : 20_000 },
      ],
      targets,
    )) as [ThroughputRow[], ThroughputRow[]];
    return {
      tables: [
        throughputTable('single-task, closed loop', 'single-task', closed, notes),
        throughputTable('single-task, burst', 'single-task', burst, notes),
      ],
      data: { closed, burst },
    };
  },
};
