import type { Scenario } from './scenario.js';
import { shapeOf } from './shape.js';
import { runThroughput, standardTargets, throughputTable } from './throughput.js';

/** choice -> set -> task -> task -> end; the ceiling answers the same two tasks in sequence. */
export const fiveState: Scenario = {
  name: 'five-state',
  description: 'five-state blueprint (choice, set, two tasks, end), closed loop',
  external: false,
  async run(ctx) {
    const notes: string[] = [];
    const rows = await runThroughput(
      ctx,
      {
        scenario: 'five-state',
        endpoint: '/api/v1/jobs/bench_five_state',
        initialData: { n: 1 },
        ceiling: { tasksPerJob: 2, parallel: false },
        mode: 'closed',
        pollers: 0,
        jobs: 0,
        ...shapeOf(ctx),
      },
      standardTargets(ctx, notes),
    );
    return { tables: [throughputTable('five-state (2 tasks per job), closed loop', 'five-state', rows, notes)], data: rows };
  },
};
