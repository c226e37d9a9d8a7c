/**
 * Regex literals that could backtrack exponentially are refused when a blueprint loads, since the
 * JSONata time limit cannot stop a regex in the middle of its one native step.
 */
import jsonata from 'jsonata';
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

  it('is needed: the same regex in plain JSONata (its time limit on) takes time that doubles with each character', async () => {
    const expression = jsonata('$contains(s, /^(a+)+$/)', { timeout: 1000 });
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

describe('regexes built at run time', () => {
  it('refuses an unsafe regex that $eval builds from data, naming it, quickly', async () => {
    const expression = compileExpression('${ $eval(code, {"s": s}) }');
    const started = Date.now();
    await expect(expression.evaluate({ code: '$contains(s, /^(a+)+$/)', s: 'a'.repeat(40) + '!' })).rejects.toThrow(/repeats a group .* exponential time/);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await expression.evaluate({ code: '$contains(s, /^a+$/)', s: 'aaa' })).toBe(true);
  });

  it('still runs safe regex literals: $match, $replace, $split', async () => {
    expect(await compileExpression('${ $replace("a-b-c", /-/, "+") }').evaluate({})).toBe('a+b+c');
    expect(await compileExpression('${ $split("a1b22c", /\\d+/) }').evaluate({})).toEqual(['a', 'b', 'c']);
    expect(await compileExpression('${ $match("x12y", /(\\d)(\\d)/).groups }').evaluate({})).toEqual(['1', '2']);
  });
});
