import { describe, expect, it } from 'vitest';
import { parseBlueprintText } from '../../src/blueprint/parse.js';
import { diagnosticsOf } from './fixtures.js';

const F = 'test/fixtures/blueprints';

describe('parse', () => {
  it('reports a YAML syntax error at the opening quote of an unclosed string', async () => {
    expect(await diagnosticsOf('yaml-syntax')).toEqual([
      `${F}/yaml-syntax.yaml:6:13 YAML: this quoted string is never closed: add the closing "`,
    ]);
  });

  it('reports a duplicate key with the line of its first definition', async () => {
    expect(await diagnosticsOf('duplicate-key')).toEqual([
      `${F}/duplicate-key.yaml:7:5 states.a.task: duplicate key "task" (first defined on line 6); a key may appear once in a mapping`,
    ]);
  });

  it('hints to quote an expression that YAML could not read inside a flow mapping', async () => {
    expect(await diagnosticsOf('unquoted-expression')).toEqual([
      `${F}/unquoted-expression.yaml:7:21 YAML: Unexpected flow-map-start at node end (an expression that holds ": " or " #", or stands inside a flow mapping { }, must be quoted: '\${ ... }')`,
    ]);
  });

  it('hints to quote an expression that holds ": " in block context', () => {
    const parsed = parseBlueprintText('result: ${ a ? b : c }\n', 'x.yaml');
    expect(parsed.diagnostics).toHaveLength(1);
    expect(parsed.diagnostics[0]).toMatchObject({ line: 1, column: 9, check: 'yaml' });
    expect(parsed.diagnostics[0]?.message).toContain('must be quoted');
  });

  it('reports one error for a broken line, not one per following line', () => {
    const text = 'a:\n  b: ${ x ? y : z }\n  c: 1\n  d: 2\n  e: 3\n';
    expect(parseBlueprintText(text, 'x.yaml').diagnostics).toHaveLength(1);
  });

  it('rejects a second YAML document in the file', () => {
    const parsed = parseBlueprintText('name: a\n---\nname: b\n', 'x.yaml');
    expect(parsed.diagnostics.map((d) => [d.line, d.column, d.message])).toEqual([
      [2, 1, 'YAML: a blueprint file holds one YAML document: remove this "---" and what follows, or move it to its own file'],
    ]);
  });

  it('locates a value, a key, and a missing key at the key that holds it', () => {
    const parsed = parseBlueprintText('states:\n  a:\n    type: end\n    result: [1, 2]\n', 'x.yaml');
    expect(parsed.locate(['states', 'a', 'type'])).toEqual({ line: 3, column: 11 });
    expect(parsed.locate(['states', 'a', 'type'], 'key')).toEqual({ line: 3, column: 5 });
    expect(parsed.locate(['states', 'a', 'result', 1])).toEqual({ line: 4, column: 17 });
    expect(parsed.locate(['states', 'a', 'missing'])).toEqual({ line: 2, column: 3 });
  });

  it('keeps the YAML text of a state as written', () => {
    const parsed = parseBlueprintText('states:\n  a:\n    type: end # done\n  b:\n    type: end\n', 'x.yaml');
    expect(parsed.sourceText(['states', 'a'])).toBe('  a:\n    type: end # done');
  });
});
