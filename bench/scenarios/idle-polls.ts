import { ApiClient } from '../load/api-client.js';
import { rssBytes } from '../load/proc.js';
import { startWorkers } from '../load/workers.js';
import { fmt, fmtInt, fmtMb, fmtTimes, type Table } from '../report/table.js';
import { CEILING, MEMORY, REDIS_1, eachTarget, failedCells, redisSkipReason, selectTargets, targetName, withTarget, type TargetSpec } from '../targets.js';
import type { ProbeStats } from '../child/probe-protocol.js';
import type { Scenario } from './scenario.js';

/**
 * N idle long-polls held by one server process (one per registered worker, nothing to hand out): the
 * server's memory per held poll and its event-loop delay while opening them and while holding them.
 * One process by definition, so there is no two-process row.
 */
interface IdleRow {
  target: string;
  polls: number;
  rssBeforeBytes: number;
  rssHeldBytes: number;
  heapBeforeBytes: number;
  heapHeldBytes: number;
  openDelay: ProbeStats['eventLoopDelayMs'];
  holdDelay: ProbeStats['eventLoopDelayMs'];
  openSeconds: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export const idlePolls: Scenario = {
  name: 'idle-polls',
  description: '10,000 idle long-polls held by one process: memory and event-loop delay',
  external: false,
  async run(ctx) {
    const polls = ctx.quick ? 500 : 10_000;
    const holdMs = ctx.quick ? 500 : 5000;
    const notes: string[] = [];
    const targets: TargetSpec[] = [CEILING, MEMORY];
    const skip = redisSkipReason(ctx.settings);
    if (skip) notes.push(`Redis skipped: ${skip}`);
    else targets.push(REDIS_1);
    const outcomes = await eachTarget(selectTargets(ctx.settings, targets), ctx.log, async (spec): Promise<IdleRow> => {
      ctx.log(`  idle-polls: ${targetName(spec)} (${polls} polls, hold ${holdMs} ms)`);
      return withTarget(spec, ctx.settings, { ceiling: { tasksPerJob: 1, parallel: false } }, async (target) => {
          const server = target.servers[0]!;
          const api = new ApiClient(
            {
              urls: target.urls,
              clientToken: target.clientToken,
              workerToken: target.workerToken,
              clientHeader: 'X-Client-Token',
              workerHeader: 'X-Worker-Token',
              endpoint: '/api/v1/jobs/bench_single',
              taskType: 'echo',
              pollTimeoutS: 60,
            },
            { clientConnections: 1, workerConnections: polls + 16 },
          );
          const before = await server.probe('gc');
          const rssBefore = rssBytes(server.pid);
          await server.probe('reset');
          const opened = performance.now();
          const fleet = await startWorkers(
            api,
            { count: polls, idPrefix: `idle-${process.pid}`, answer: false, startBatch: 500 },
            { onError: () => {} },
          );
          await sleep(ctx.quick ? 500 : 1000); // the last batch's polls reach the server and park
          const openSeconds = (performance.now() - opened) / 1000;
          const open = await server.probe('stats');
          await server.probe('reset');
          await sleep(holdMs);
          const hold = await server.probe('stats');
          const held = await server.probe('gc');
          const rssHeld = rssBytes(server.pid);
          await fleet.stop();
          await api.close();
          return {
            target: targetName(spec),
            polls,
            rssBeforeBytes: rssBefore,
            rssHeldBytes: rssHeld,
            heapBeforeBytes: before.heapUsedBytes,
            heapHeldBytes: held.heapUsedBytes,
            openDelay: open.eventLoopDelayMs,
            holdDelay: hold.eventLoopDelayMs,
            openSeconds,
          };
        });
    });
    const ceiling = outcomes.find((o) => o.spec.kind === 'ceiling')?.value;
    const rssPerPoll = (r: IdleRow): number => (r.rssHeldBytes - r.rssBeforeBytes) / r.polls;
    const heapPerPoll = (r: IdleRow): number => (r.heapHeldBytes - r.heapBeforeBytes) / r.polls;
    const table: Table = {
      title: `${fmtInt(polls)} idle long-polls held by one process`,
      columns: [
        'target',
        'polls',
        'RSS before MB',
        'RSS held MB',
        'RSS per poll KB',
        'x ceiling',
        'heap per poll KB',
        'x ceiling',
        'ELD p99 ms (holding)',
        'ELD max ms (holding)',
        'ELD p99 ms (opening)',
        'ELD max ms (opening)',
        'open s',
      ],
      rows: outcomes.map(({ spec, value: r, failure }) => !r ? failedCells(targetName(spec), failure ?? '', 13) : [
        r.target,
        fmtInt(r.polls),
        fmtMb(r.rssBeforeBytes),
        fmtMb(r.rssHeldBytes),
        fmt(rssPerPoll(r) / 1024, 2),
        fmtTimes(rssPerPoll(r), ceiling && rssPerPoll(ceiling)),
        fmt(heapPerPoll(r) / 1024, 2),
        fmtTimes(heapPerPoll(r), ceiling && heapPerPoll(ceiling)),
        fmt(r.holdDelay.p99, 2),
        fmt(r.holdDelay.max, 2),
        fmt(r.openDelay.p99, 2),
        fmt(r.openDelay.max, 2),
        fmt(r.openSeconds, 1),
      ]),
      notes: [
        'target: event-loop delay p99 < 20 ms while holding 10,000 polls',
        'ELD = event-loop delay measured inside the server by perf_hooks.monitorEventLoopDelay (10 ms sampling)',
        ...notes,
      ],
    };
    return { tables: [table], data: outcomes };
  },
};
