import type { ScenarioContext } from './scenario.js';

/** The load shape every throughput scenario shares, full or --quick, with command-line overrides. */
export interface Shape {
  clients: number;
  workers: number;
  durationMs: number;
  warmupMs: number;
}

export function shapeOf(ctx: ScenarioContext): Shape {
  return {
    clients: ctx.clients ?? 32,
    workers: ctx.workers ?? 16,
    durationMs: ctx.durationMs ?? (ctx.quick ? 800 : 10_000),
    warmupMs: ctx.quick ? 200 : 2000,
  };
}
