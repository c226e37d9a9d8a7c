/**
 * Regex literals that could backtrack exponentially are refused when a blueprint loads, since the
 * JSONata time limit cannot stop a regex in the middle of its one native step.
 */
import { describe, expect, it } from 'vitest';
import { loadBlueprintSources } from '../../src/blueprint/index.js';
import { compileExpression } from '../../src/blueprint/template.js';
import { hasNestedQuantifier } from '../../src/blueprint/regex-safety.js';

const blueprint = (expression: string) => `name: rx\nstart: s\nstates:\n  s:\n    type: set\n    values:\n      v: '${expression}'\n    next: done\n  done:\n    type: end\n`;

describe('regex safety', () => {
  it('flags a group repeated without bound that repeats without bound inside', () => {
    for (const source of ['^(a+)+$', '(a*)*', '(\\d+)*x', '((ab)+c)+', '(?:x+y)+', '(a+){2,}', '([a-z]+\\.)+com', '(a{1,50})+', '(\\w+\\s?)*$']) {
      expect(hasNestedQuantifier(source), source).toBe(true);
    }
  });

  it('passes patterns without nested unbounded repeats', () => {
    for (const source of ['^[a-z]+$', '(ab)+', 'a+b+', '(a+)?', '(a|b)*', '[(+)]+', '\\(a+\\)+', '(a{1,3})+', '(a+)', '^\\d{4}-\\d{2}-\\d{2}$', '(?=a+)b']) {
      expect(hasNestedQuantifier(source), source).toBe(false);
    }
  });

  it('refuses such a regex at load with a diagnostic naming it, and loads a safe one', () => {
    const bad = loadBlueprintSources([{ file: 'rx.yaml', text: blueprint('${ $contains(initial_data.s, /^(a+)+$/) }') }]);
    expect(bad.blueprints.size).toBe(0);
    expect(bad.diagnostics).toHaveLength(1);
    expect(bad.diagnostics[0]).toMatchObject({ check: 'expression', path: 'states.s.values.v', line: 7 });
    expect(bad.diagnostics[0]!.message).toMatch(/\/\^\(a\+\)\+\$\/g? repeats a group .* exponential time/);
    const good = loadBlueprintSources([{ file: 'rx.yaml', text: blueprint('${ $contains(initial_data.s, /^a+$/) }') }]);
    expect(good.diagnostics).toEqual([]);
  });

  it('is needed: the same regex run directly takes time that doubles with each character', async () => {
    const expression = compileExpression('${ $contains(s, /^(a+)+$/) }');
    const timed = async (n: number) => {
      const started = performance.now();
      await expression.evaluate({ s: 'a'.repeat(n) + '!' });
      return performance.now() - started;
    };
    await timed(12); // warm up
    const short = await timed(17);
    const long = await timed(23);
    // 6 more characters: 64 times the work in theory; allow for noise.
    expect(long).toBeGreaterThan(short * 8);
  });
});
