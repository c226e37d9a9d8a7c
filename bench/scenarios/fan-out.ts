import type { Scenario } from './scenario.js';
import { shapeOf } from './shape.js';
import { runThroughput, standardTargets, throughputTable } from './throughput.js';

/**
 * One parallel state of 100 branches per job; the ceiling queues 100 tasks per job at once. A burst of
 * a few jobs (4 at a time), because one job already keeps every worker busy and lasts long enough that
 * a closed-loop window would count only a handful.
 */
export const fanOut: Scenario = {
  name: 'fan-out',
  description: 'fan-out of 100 branches per job (parallel for_each), burst; tasks/s = jobs/s x 100',
  external: false,
  async run(ctx) {
    const shape = shapeOf(ctx);
    const branches = 100;
    const notes = [`each job has ${branches} tasks; tasks/s = jobs/s x ${branches}`];
    const rows = await runThroughput(
      ctx,
      {
        scenario: 'fan-out',
        endpoint: '/api/v1/jobs/bench_fan_out',
        initialData: { items: Array.from({ length: branches }, (_, i) => i) },
        ceiling: { tasksPerJob: branches, parallel: true },
        mode: 'burst',
        pollers: 0,
        jobs: ctx.quick ? 4 : 40,
        ...shape,
        // A few jobs at a time already keep every worker busy.
        clients: Math.min(shape.clients, 4),
      },
      standardTargets(ctx, notes),
    );
    return { tables: [throughputTable(`fan-out of ${branches} branches, burst`, 'fan-out', rows, notes)], data: rows };
  },
};
