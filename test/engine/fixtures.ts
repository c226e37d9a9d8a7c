/**
 * Test fixtures for the engine: blueprints compiled from YAML by the real loader, a fake clock, and a
 * deterministic transition context.
 */
import { loadBlueprintSources } from '../../src/blueprint/load.js';
import type { CompiledBlueprint } from '../../src/blueprint/types.js';
import type { TaskRecord } from '../../src/storage/types.js';
import type { TransitionContext } from '../../src/engine/transition.js';

export function compileAll(...yamls: string[]): Map<string, CompiledBlueprint> {
  const { blueprints, diagnostics } = loadBlueprintSources(yamls.map((text, i) => ({ file: `test-${i}.yaml`, text })));
  if (diagnostics.length > 0) throw new Error(`fixture blueprints do not load:\n${diagnostics.map((d) => `${d.file}:${d.line} ${d.path} ${d.message}`).join('\n')}`);
  return blueprints;
}

export function compileOne(yaml: string): CompiledBlueprint {
  const [blueprint] = [...compileAll(yaml).values()];
  return blueprint!;
}

export const T0 = Date.parse('2026-01-01T00:00:00.000Z');

export function fakeClock(start = T0): { now(): number; advance(ms: number): void; set(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    advance(ms) {
      now += ms;
    },
    set(ms) {
      now = ms;
    },
  };
}

export function sequentialIds(prefix = 'id'): () => string {
  let n = 0;
  return () => `${prefix}-${++n}`;
}

export function context(overrides: Partial<TransitionContext> & { tasks?: readonly TaskRecord[] } = {}): TransitionContext {
  return {
    now: T0,
    newId: sequentialIds(),
    random: () => 0.5,
    maxTransitions: 1000,
    tasks: [],
    ...overrides,
  };
}
