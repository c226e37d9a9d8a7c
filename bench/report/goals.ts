import type { ThroughputRow } from '../scenarios/throughput.js';
import { fmt, fmtPct, type Table } from './table.js';

/**
 * The targets, checked against this run's figures. A goal whose scenario did not run is left
 * out. These are goals for the benchmark on this machine, not test assertions.
 */
interface Outcome<T> {
  spec: { kind: string; processes: number };
  value?: T;
}

function rate(rows: ThroughputRow[] | undefined, target: string): ThroughputRow | undefined {
  return rows?.find((r) => r.target === target && r.failure === undefined);
}

export function goalsTable(results: Record<string, unknown>): Table {
  const rows: string[][] = [];
  const add = (goal: string, measured: string, met: boolean | undefined): void => {
    rows.push([goal, measured, met === undefined ? '-' : met ? 'met' : 'NOT met']);
  };

  const single = results['single-task'] as { closed?: ThroughputRow[] } | undefined;
  const memory = rate(single?.closed, 'memory');
  const redis1 = rate(single?.closed, 'redis x1');
  const redis2 = rate(single?.closed, 'redis x2');
  if (memory) add('memory store, single-task >= 50% of ceiling', fmtPct(memory.ratio), memory.ratio >= 0.5);
  if (redis1) add('Redis, one process >= 30% of ceiling', fmtPct(redis1.ratio), redis1.ratio >= 0.3);
  if (redis1 && redis2) {
    add(
      'Redis, two processes faster than one',
      `${fmt(redis2.result.jobsPerSecond, 0)} vs ${fmt(redis1.result.jobsPerSecond, 0)} jobs/s`,
      redis2.result.jobsPerSecond > redis1.result.jobsPerSecond,
    );
  }

  const pollers = results['status-pollers'] as { without?: ThroughputRow[]; with?: ThroughputRow[] } | undefined;
  for (const target of ['memory', 'redis x1', 'redis x2']) {
    const without = rate(pollers?.without, target);
    const withPollers = rate(pollers?.with, target);
    if (without && withPollers) {
      const drop = 1 - withPollers.result.jobsPerSecond / without.result.jobsPerSecond;
      add(`64 status pollers cost < 20% (${target})`, fmtPct(drop), drop < 0.2);
    }
  }

  const wake = results['wake-up'] as Outcome<{ target: string; wakeMs: { p99: number } }>[] | undefined;
  for (const o of wake ?? []) {
    if (o.value && o.spec.kind !== 'ceiling') add(`wake-up p99 < 5 ms (${o.value.target})`, `${fmt(o.value.wakeMs.p99, 2)} ms`, o.value.wakeMs.p99 < 5);
  }

  const idle = results['idle-polls'] as Outcome<{ target: string; polls: number; holdDelay: { p99: number } }>[] | undefined;
  for (const o of idle ?? []) {
    if (o.value && o.spec.kind !== 'ceiling') {
      add(
        `${o.value.polls} idle polls, event-loop delay p99 < 20 ms (${o.value.target})`,
        `${fmt(o.value.holdDelay.p99, 2)} ms`,
        o.value.holdDelay.p99 < 20,
      );
    }
  }

  const trips = results['redis-round-trips'] as { perJob?: number; storePerJob?: number } | undefined;
  if (trips?.perJob !== undefined) {
    add(
      'Redis round trips per single-task job <= 6',
      `${fmt(trips.perJob, 2)} on the wire, ${fmt(trips.storePerJob, 2)} by the store's count`,
      Math.max(trips.perJob, trips.storePerJob ?? 0) <= 6,
    );
  }

  const compile = results.compile as { warmMs?: number[]; firstMs?: number } | undefined;
  if (compile?.warmMs?.length) {
    const sorted = [...compile.warmMs].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    add('1,000-state blueprint compiled in < 200 ms', `${fmt(median)} ms warm, ${fmt(compile.firstMs)} ms cold`, median < 200);
  }
  return { title: 'targets of issue 6 in this run', columns: ['goal', 'measured', 'verdict'], rows };
}
