import { describe, expect, it } from 'vitest';
import { blueprint, diagnosticsOf, diagnosticsOfTexts } from './fixtures.js';

const F = 'test/fixtures/blueprints';

describe('validateExpressions', () => {
  it('reports a JSONata syntax error at its line and column', async () => {
    expect(await diagnosticsOf('bad-expression')).toEqual([
      `${F}/bad-expression.yaml:8:37 states.a.params.total: invalid expression \${ initial_data.price * }: Unexpected end of expression`,
    ]);
  });

  it('places the error inside a quoted expression', () => {
    const text = blueprint(`  a:\n    type: end\n    result: '\${ {"a": 1,, } }'\n`);
    expect(diagnosticsOfTexts({ 't.yaml': text })).toEqual([
      't.yaml:6:25 states.a.result: invalid expression ${ {"a": 1,, } }: The symbol "," cannot be used as a unary operator',
    ]);
  });

  it('says to quote an expression that YAML cut short at " #"', async () => {
    expect(await diagnosticsOf('expression-cut-by-comment')).toEqual([
      `${F}/expression-cut-by-comment.yaml:6:13 states.a.result: the expression \`\${ "issue\` has no closing "}": YAML cut it short (an unquoted " #" starts a comment); quote the whole expression: '\${ ... }'`,
    ]);
  });

  it('checks expressions in choices, for_each, until and nested params', () => {
    const text = blueprint(
      [
        '  a:',
        '    type: choice',
        '    choices:',
        '      - { when: "${ x = }", next: b }',
        '    otherwise: b',
        '  b:',
        '    type: wait',
        '    until: ${ $now( }',
        '    next: c',
        '  c:',
        '    type: task',
        '    task: echo',
        '    params:',
        '      deep: { list: ["${ ) }"] }',
        '    transitions: { success: d }',
        '  d:',
        '    type: end',
        '',
      ].join('\n'),
    );
    const lines = diagnosticsOfTexts({ 't.yaml': text }).map((l) => l.split(' ')[0] + ' ' + l.split(' ')[1]);
    expect(lines).toEqual([
      't.yaml:7:24 states.a.choices[0].when:',
      't.yaml:11:20 states.b.until:',
      't.yaml:17:26 states.c.params.deep.list[0]:',
    ]);
  });

  it('rejects an empty expression', () => {
    const text = blueprint('  a:\n    type: end\n    result: ${ }\n');
    expect(diagnosticsOfTexts({ 't.yaml': text })).toEqual(['t.yaml:6:15 states.a.result: invalid expression ${ }: empty expression']);
  });

  it('leaves descriptions alone', () => {
    const text = blueprint('  a:\n    type: end\n    description: ${ not an expression (\n');
    expect(diagnosticsOfTexts({ 't.yaml': text })).toEqual([]);
  });
});
