/**
 * The orchestrator dies between ANY two store calls of a job's life (every point, one run each): a
 * store wrapper lets the first N calls through and then never answers again, as a killed process never
 * would; a new engine then starts on the same store, time moves past every lease, and the worker and
 * client retry what they were doing. Every run must finish the job with each state entered once and
 * each task result applied once. (The same on Redis with real SIGKILLs: redis-crash-loop.test.ts.)
 */
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBlueprints } from '../../src/blueprint/index.js';
import type { CompiledBlueprint } from '../../src/blueprint/types.js';
import type { TaskView } from '../../src/engine/api.js';
import { createEngine, type SwitchyardEngine } from '../../src/engine/engine.js';
import type { Store } from '../../src/storage/contracts.js';
import { createMemoryStore } from '../../src/storage/memory.js';

const BLUEPRINTS = fileURLToPath(new URL('./crash-blueprints', import.meta.url));
const T0 = Date.parse('2026-03-01T00:00:00Z');

/** The store as one process sees it: after `limit` calls it hangs for good (the process is dead). */
function mortalStore(store: Store, limit: number | null): { store: Store; calls: () => number; died: Promise<void> } {
  let calls = 0;
  let die!: () => void;
  const died = new Promise<void>((resolve) => {
    die = resolve;
  });
  const never = new Promise<never>(() => undefined);
  const wrap = <T extends object>(part: T): T =>
    new Proxy(part, {
      get(target, key, receiver) {
        const value: unknown = Reflect.get(target, key, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls += 1;
          if (limit !== null && calls > limit) {
            die();
            return never;
          }
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  return {
    store: {
      kind: store.kind,
      jobs: wrap(store.jobs),
      idempotency: wrap(store.idempotency),
      tasks: wrap(store.tasks),
      workers: wrap(store.workers),
      timers: wrap(store.timers),
      notifier: store.notifier,
      start: () => store.start(),
      close: () => store.close(),
      flush: () => store.flush(),
    },
    calls: () => calls,
    died,
  };
}

interface Run {
  calls: number;
  crashed: boolean;
  entered: (string | null)[];
  results: string[];
  finishedEvents: number;
  status: string;
}

async function runOneJob(blueprints: ReadonlyMap<string, CompiledBlueprint>, crashAfter: number | null): Promise<Run> {
  let now = T0;
  const clock = { now: () => now };
  const shared = createMemoryStore({ clock });
  await shared.start();
  const mortal = mortalStore(shared, crashAfter);
  const limits = { sweepIntervalMs: 3_600_000 };
  let engine: SwitchyardEngine = createEngine({ store: mortal.store, blueprints, clock, limits });
  let crashed = false;
  await Promise.race([engine.start(), mortal.died]);

  /** Runs `call` on the current engine; if the process dies meanwhile, starts a new one and tries again. */
  async function retrying<T>(call: (e: SwitchyardEngine) => Promise<T>): Promise<T> {
    // The restarted process never dies.
    if (crashed) return call(engine);
    const outcome = await Promise.race([call(engine).then((value) => ({ value })), mortal.died.then(() => 'dead' as const)]);
    if (outcome !== 'dead') return outcome.value;
    crashed = true;
    // The restarted process: same store, and time moves past every lease and TTL.
    engine = createEngine({ store: shared, blueprints, clock, limits });
    await engine.start();
    now += 120_000;
    await engine.tick();
    return call(engine);
  }

  const worker = { worker_id: 'w', supported_tasks: ['sec.crash'] };
  const { job_id: jobId } = await retrying((e) => e.createJob({ blueprint: 'sec_steps', initial_data: { n: 1 }, client_id: 'default', idempotency_key: 'one' }));
  const signal = new AbortController().signal;
  for (let round = 0; round < 400; round++) {
    const job = await retrying((e) => e.getJob(jobId));
    if (['finished', 'failed', 'cancelled', 'quarantined'].includes(job.status)) break;
    await retrying((e) => e.registerWorker(worker));
    // A worker the new process forgot (its TTL passed while time moved on) registers again next round.
    const task: TaskView | null = await retrying((e) =>
      e.nextTask('w', { timeoutMs: 0, signal }).catch((error: { status?: number }) => {
        if (error.status === 404) return null;
        throw error;
      }),
    );
    if (task) {
      await retrying((e) => e.submitResult({ job_id: task.job_id, task_id: task.task_id, worker_id: 'w', status: 'success', data: {} }).catch((error: { status?: number }) => {
        // A result that the dead process already applied, or whose lease ran out, is answered 409: fine.
        if (error.status !== 409) throw error;
      }));
    } else {
      now += 250;
      await retrying((e) => e.tick());
    }
  }
  const history = await retrying((e) => e.history(jobId));
  const status = (await retrying((e) => e.getJob(jobId))).status;
  if (crashed) await engine.close();
  return {
    calls: mortal.calls(),
    crashed,
    status,
    entered: history.filter((e) => e.event_type === 'state_entered').map((e) => e.state),
    results: history.filter((e) => e.event_type === 'task_result').map((e) => String(e.task_id)),
    finishedEvents: history.filter((e) => e.event_type === 'job_finished').length,
  };
}

describe('a crash between any two store calls', () => {
  let blueprints: ReadonlyMap<string, CompiledBlueprint>;
  beforeAll(async () => {
    blueprints = (await loadBlueprints(BLUEPRINTS)).blueprints;
  });

  it('finishes the job, each state entered once and each result applied once, wherever the process dies', async () => {
    const clean = await runOneJob(blueprints, null);
    expect(clean.status).toBe('finished');
    expect(clean.entered).toEqual(['first', 'count', 'pause', 'both', 'child', 'done']);
    const points = clean.calls;
    expect(points).toBeGreaterThan(30);
    const failures: string[] = [];
    for (let crashAfter = 1; crashAfter < points; crashAfter++) {
      const run = await runOneJob(blueprints, crashAfter);
      const where = `crash after store call ${crashAfter} of ${points}`;
      if (!run.crashed) failures.push(`${where}: no crash happened`);
      if (run.status !== 'finished') failures.push(`${where}: job ${run.status}`);
      if (JSON.stringify(run.entered) !== JSON.stringify(clean.entered)) failures.push(`${where}: states entered ${run.entered.join(',')}`);
      if (new Set(run.results).size !== run.results.length) failures.push(`${where}: a result applied twice`);
      if (run.finishedEvents !== 1) failures.push(`${where}: ${run.finishedEvents} job_finished events`);
    }
    console.info(`[crash-points] ${points - 1} crash points of one sec_steps job (task, set, wait, parallel, child), each recovered`);
    expect(failures).toEqual([]);
  }, 120_000);
});
