/**
 * An engine on the memory store with a fake clock and sequential ids, plus a store wrapper that counts
 * every store call by name (to measure round trips per job).
 */
import type { CompiledBlueprint } from '../../src/blueprint/types.js';
import { createEngine, type EngineLimits, type SwitchyardEngine } from '../../src/engine/engine.js';
import type { EngineMetrics, WorkerNotifier } from '../../src/engine/ports.js';
import { noopMetrics } from '../../src/engine/ports.js';
import type { Store } from '../../src/storage/contracts.js';
import { createMemoryStore } from '../../src/storage/memory.js';
import { fakeClock, sequentialIds } from './fixtures.js';

export type CallCounts = Map<string, number>;

/** Wraps each method of each part of the store so that calls are counted as `part.method`. */
export function countingStore(store: Store): { store: Store; calls: CallCounts } {
  const calls: CallCounts = new Map();
  const wrapPart = <T extends object>(name: string, part: T): T =>
    new Proxy(part, {
      get(target, key, receiver) {
        const value: unknown = Reflect.get(target, key, receiver);
        if (typeof value !== 'function' || name === 'notifier') return value;
        return (...args: unknown[]) => {
          const label = `${name}.${String(key)}`;
          calls.set(label, (calls.get(label) ?? 0) + 1);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  const wrapped: Store = {
    kind: store.kind,
    jobs: wrapPart('jobs', store.jobs),
    idempotency: wrapPart('idempotency', store.idempotency),
    tasks: wrapPart('tasks', store.tasks),
    workers: wrapPart('workers', store.workers),
    timers: wrapPart('timers', store.timers),
    notifier: store.notifier,
    start: () => store.start(),
    close: () => store.close(),
    flush: () => store.flush(),
  };
  return { store: wrapped, calls };
}

export interface Harness {
  engine: SwitchyardEngine;
  store: Store;
  calls: CallCounts;
  clock: ReturnType<typeof fakeClock>;
  /** Moves the fake clock and runs the sweep (timers, worker expiry), then waits for background work. */
  advance(ms: number): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(
  blueprints: ReadonlyMap<string, CompiledBlueprint>,
  options: {
    limits?: EngineLimits;
    notifyWorker?: WorkerNotifier;
    fetch?: typeof fetch;
    metrics?: EngineMetrics;
    /** Puts a wrapper between the engine and the counting store (e.g. to hold a call back). */
    wrapStore?: (store: Store) => Store;
  } = {},
): Promise<Harness> {
  const clock = fakeClock();
  const counted = countingStore(createMemoryStore({ clock }));
  const calls = counted.calls;
  const store = options.wrapStore ? options.wrapStore(counted.store) : counted.store;
  await store.start();
  const engine = createEngine({
    store,
    blueprints,
    clock,
    newId: sequentialIds('id'),
    random: () => 0.5,
    limits: { sweepIntervalMs: 3_600_000, workerTtlMs: 60_000, ...options.limits },
    ...(options.notifyWorker ? { notifyWorker: options.notifyWorker } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  await engine.start();
  await engine.idle();
  return {
    engine,
    store,
    calls,
    clock,
    async advance(ms) {
      clock.advance(ms);
      await engine.tick();
    },
    async close() {
      await engine.close();
      await store.close();
    },
  };
}

export const never = new AbortController().signal;

/** Metrics that remember the running sum of waiting polls and every call by name. */
export function recordingMetrics(): EngineMetrics & { waiting: number; calls: string[] } {
  const recorder = {
    ...noopMetrics,
    waiting: 0,
    calls: [] as string[],
    pollWaiting(delta: number) {
      recorder.waiting += delta;
    },
    jobCreated(blueprint: string) {
      recorder.calls.push(`jobCreated ${blueprint}`);
    },
    jobEnded(blueprint: string, status: string) {
      recorder.calls.push(`jobEnded ${blueprint} ${status}`);
    },
    taskQueued(type: string) {
      recorder.calls.push(`taskQueued ${type}`);
    },
    taskLeased(type: string) {
      recorder.calls.push(`taskLeased ${type}`);
    },
    taskCompleted(type: string, outcome: string) {
      recorder.calls.push(`taskCompleted ${type} ${outcome}`);
    },
  };
  return recorder;
}
