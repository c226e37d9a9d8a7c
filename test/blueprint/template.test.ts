import { describe, expect, it } from 'vitest';
import { compileExpression, compileTemplate, evaluateTemplate, ExpressionError, isExpressionString } from '../../src/blueprint/template.js';

const scope = { initial_data: { url: 'u', n: 2, tags: ['a', 'b'] }, state_history: { bytes: 10 }, job: { id: 'j1' } };

describe('templates', () => {
  it('treats only a whole-value ${ ... } as an expression', () => {
    expect(isExpressionString('${ a }')).toBe(true);
    expect(isExpressionString('  ${ a }  ')).toBe(true);
    expect(isExpressionString('x ${ a }')).toBe(false);
    expect(isExpressionString('${ a')).toBe(false);
  });

  it('keeps the type of an expression value', async () => {
    const t = compileTemplate({ n: '${ initial_data.n * 2 }', tags: '${ initial_data.tags }', o: '${ {"k": job.id} }' });
    expect(await evaluateTemplate(t, scope)).toEqual({ n: 4, tags: ['a', 'b'], o: { k: 'j1' } });
  });

  it('leaves literals, nested lists and strings with ${ inside as they are', async () => {
    const t = compileTemplate({ a: [1, 'x ${ y }', { b: null }], c: true });
    expect(await evaluateTemplate(t, scope)).toEqual({ a: [1, 'x ${ y }', { b: null }], c: true });
  });

  it('drops object entries whose expression yields nothing', async () => {
    expect(await evaluateTemplate(compileTemplate({ a: '${ initial_data.missing }', b: 1 }), scope)).toEqual({ b: 1 });
  });

  it('sees the for_each item under its name', async () => {
    expect(await evaluateTemplate(compileTemplate('${ tag & "!" }'), { ...scope, tag: 'x' })).toBe('x!');
  });

  it('throws an ExpressionError that names the expression and where it is written', async () => {
    const e = compileExpression('${ $number("abc") }', 'states.pay.params.n');
    const error = await e.evaluate(scope).catch((x: unknown) => x);
    expect(error).toBeInstanceOf(ExpressionError);
    expect((error as ExpressionError).message).toMatch(/^states\.pay\.params\.n: expression \$\{ \$number\("abc"\) \} failed: /);
    expect((error as ExpressionError).expression).toBe('${ $number("abc") }');
  });

  it('stops a runaway expression instead of hanging', async () => {
    const e = compileExpression('${ ($f := function($n) { $f($n + 1) }; $f(0)) }');
    await expect(e.evaluate(scope)).rejects.toBeInstanceOf(ExpressionError);
  });

  it('reads $now() and $millis() from the clock it is given', async () => {
    const now = () => Date.UTC(2030, 0, 2, 3, 4, 5);
    const t = compileTemplate({ iso: '${ $now() }', ms: '${ $millis() }', day: '${ $now("[Y0001]-[M01]-[D01]") }' });
    expect(await evaluateTemplate(t, scope, { now })).toEqual({ iso: '2030-01-02T03:04:05.000Z', ms: now(), day: '2030-01-02' });
  });

  it('returns plain JSON values, not JSONata sequences', async () => {
    const v = await evaluateTemplate(compileTemplate('${ initial_data.tags.$uppercase($) }'), scope);
    expect(v).toEqual(['A', 'B']);
    expect(Object.keys(v as object)).toEqual(['0', '1']);
  });
});
