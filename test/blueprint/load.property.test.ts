import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadBlueprintSources } from '../../src/blueprint/load.js';

/** A well-formed blueprint: a chain s0 -> s1 -> ... -> end, with random types and extra edges. */
const wellFormed = fc.integer({ min: 1, max: 10 }).chain((count) => {
  const names = Array.from({ length: count + 1 }, (_, i) => `s${i}`);
  const any = fc.constantFrom(...names);
  const expr = fc.constantFrom('${ initial_data.x }', '${ state_history.n > 1 }', '${ $count(initial_data.items) }', '${ job.id }');
  const value = fc.oneof(fc.integer(), fc.string({ maxLength: 8 }).filter((s) => !s.includes('${')), expr);
  const params = fc.dictionary(fc.constantFrom('a', 'b', 'url', 'n'), value, { maxKeys: 3 });
  const duration = fc.oneof(fc.integer({ min: 1, max: 100 }), fc.constantFrom('500ms', '30s', '5m', '1h30m', '2d'));
  const state = (i: number) => {
    // The chain edge keeps every state reachable and an end reachable from it; others are random.
    const next = fc.constant(names[i + 1]!);
    return fc.oneof(
      fc.record({
        type: fc.constant('task'),
        task: fc.constantFrom('echo', 'sleep', 'image.resize'),
        params,
        priority: fc.integer({ min: 0, max: 9 }),
        timeout: duration,
        retry: fc.record({ max_attempts: fc.integer({ min: 1, max: 5 }), backoff: duration }),
        transitions: fc.record({ success: next, failure: any }, { requiredKeys: ['success'] }),
      }),
      fc.record({
        type: fc.constant('choice'),
        choices: fc.array(fc.record({ when: expr, next: any }), { minLength: 1, maxLength: 3 }),
        otherwise: next,
      }),
      fc.record({
        type: fc.constant('parallel'),
        branches: fc.array(fc.record({ task: fc.constantFrom('echo', 'sleep'), params }), { minLength: 1, maxLength: 3 }),
        next,
      }),
      fc.record({
        type: fc.constant('parallel'),
        for_each: fc.constant('${ initial_data.items }'),
        as: fc.constantFrom('item', 'page'),
        task: fc.constant('echo'),
        max_concurrency: fc.integer({ min: 1, max: 8 }),
        on_failure: fc.constantFrom('fail', 'continue'),
        next,
      }),
      fc.record({ type: fc.constant('approval'), message: fc.string({ maxLength: 10 }).filter((s) => !s.includes('${')), transitions: fc.record({ approved: next, rejected: any }) }),
      fc.record({ type: fc.constant('wait'), duration, next }),
      fc.record({ type: fc.constant('set'), values: params.filter((p) => Object.keys(p).length > 0), next }),
      fc.record({ type: fc.constant('blueprint'), blueprint: fc.constant('prop'), initial_data: params, transitions: fc.record({ finished: next, failed: any }, { requiredKeys: ['finished'] }) }),
    );
  };
  const end = fc.record({ type: fc.constant('end'), status: fc.constantFrom('finished', 'failed'), result: value }, { requiredKeys: ['type'] });
  return fc.tuple(...names.slice(0, -1).map((_, i) => state(i)), end).map((states) => ({
    name: 'prop',
    start: 's0',
    states: Object.fromEntries(states.map((s, i) => [names[i], s])),
  }));
});

/** Text edits that a person might make by mistake. */
const textMutation = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(':', ' #', '{', '}', '- ', '\t', '"', "'", '${', '*', '&a', '<<', '\n  x: 1', 'type: nope') }),
  fc.record({ kind: fc.constant('swap-lines' as const), at: fc.nat(), other: fc.nat() }),
);

type Mutation = { kind: 'delete' | 'insert' | 'swap-lines'; at: number; length?: number; text?: string; other?: number };

function mutate(text: string, m: Mutation): string {
  const at = text.length === 0 ? 0 : m.at % text.length;
  if (m.kind === 'delete') return text.slice(0, at) + text.slice(at + (m.length ?? 1));
  if (m.kind === 'insert') return text.slice(0, at) + (m.text ?? '') + text.slice(at);
  const lines = text.split('\n');
  const a = m.at % lines.length;
  const b = (m.other ?? 0) % lines.length;
  [lines[a], lines[b]] = [lines[b] ?? '', lines[a] ?? ''];
  return lines.join('\n');
}

describe('the loader, on generated blueprints', () => {
  it('compiles every well-formed blueprint', () => {
    fc.assert(
      fc.property(wellFormed, (raw) => {
        const { blueprints, diagnostics } = loadBlueprintSources([{ file: 'p.yaml', text: stringify(raw) }]);
        expect(diagnostics).toEqual([]);
        expect(blueprints.get('prop')?.states.size).toBe(Object.keys(raw.states).length);
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 150) },
    );
  });

  it('never throws on a mutated blueprint text, and places every diagnostic in the file', () => {
    fc.assert(
      fc.property(wellFormed, fc.array(textMutation, { minLength: 1, maxLength: 4 }), (raw, mutations) => {
        const text = mutations.reduce((t, m) => mutate(t, m), stringify(raw));
        const { blueprints, diagnostics } = loadBlueprintSources([{ file: 'p.yaml', text }]);
        const lines = text.split('\n').length;
        for (const d of diagnostics) {
          expect(d.line).toBeGreaterThanOrEqual(1);
          expect(d.line).toBeLessThanOrEqual(lines + 1);
          expect(d.column).toBeGreaterThanOrEqual(1);
          expect(d.message).not.toBe('');
          expect(d.message).not.toMatch(/^could not compile/);
        }
        expect(blueprints.size + diagnostics.length).toBeGreaterThan(0);
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 300) },
    );
  });

  it('never throws when any value of a well-formed blueprint is replaced by any JSON value', () => {
    fc.assert(
      fc.property(wellFormed, fc.nat(), fc.jsonValue({ maxDepth: 2 }), (raw, pick, replacement) => {
        const paths: (string | number)[][] = [];
        const walk = (node: unknown, path: (string | number)[]) => {
          paths.push(path);
          if (node !== null && typeof node === 'object') {
            for (const [k, v] of Object.entries(node)) walk(v, [...path, Array.isArray(node) ? Number(k) : k]);
          }
        };
        walk(raw, []);
        const path = paths[pick % paths.length]!;
        const copy = structuredClone(raw) as Record<string | number, unknown>;
        let node: Record<string | number, unknown> = copy;
        for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
        const text = path.length === 0 ? stringify(replacement) : (node[path.at(-1)!] = replacement, stringify(copy));
        const { blueprints, diagnostics } = loadBlueprintSources([{ file: 'p.yaml', text }]);
        expect(blueprints.size + diagnostics.length).toBeGreaterThan(0);
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 300) },
    );
  });
});
