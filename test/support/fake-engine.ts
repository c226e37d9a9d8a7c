/**
 * An Engine for HTTP tests that need no job logic (auth, bodies, errors, sockets): every method that a
 * test does not give throws, so an unexpected call shows up as a failing test (a 500), never as a
 * silently passing one. Calls are recorded in `calls`.
 */
import type { CompiledBlueprint } from '../../src/blueprint/types.js';
import type { Engine } from '../../src/engine/api.js';

export type FakeEngine = Engine & { calls: Array<{ method: string; args: unknown[] }> };

export function fakeEngine(overrides: Partial<Engine> = {}, blueprints: ReadonlyMap<string, CompiledBlueprint> = new Map()): FakeEngine {
  const calls: FakeEngine['calls'] = [];
  const target: Record<string, unknown> = { blueprints, calls };
  return new Proxy(target, {
    get(object, property) {
      if (typeof property !== 'string') return undefined;
      if (property in object) return object[property];
      const given = (overrides as Record<string, unknown>)[property];
      if (property === 'then') return undefined;
      return (...args: unknown[]) => {
        calls.push({ method: property, args });
        if (typeof given === 'function') return (given as (...a: unknown[]) => unknown)(...args);
        throw new Error(`fake engine: unexpected call to ${property}`);
      };
    },
  }) as unknown as FakeEngine;
}
