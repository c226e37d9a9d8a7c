import { describe, expect, it } from 'vitest';
import { didYouMean, formatDiagnostic, formatPath, sortDiagnostics, suggest } from '../../src/blueprint/diagnostics.js';
import type { Diagnostic } from '../../src/blueprint/types.js';

const d = (file: string, line: number, column: number, message = 'm', path = 'a.b'): Diagnostic => ({ file, line, column, path, message, check: 'graph' });

describe('diagnostics', () => {
  it('formats file:line:column path: message', () => {
    expect(formatDiagnostic(d('blueprints/shop.yaml', 14, 9, 'unknown state "shiped" (did you mean "shipped"?)', 'states.pay.transitions.success'))).toBe(
      'blueprints/shop.yaml:14:9 states.pay.transitions.success: unknown state "shiped" (did you mean "shipped"?)',
    );
  });

  it('leaves the path out for a problem of the whole document', () => {
    expect(formatDiagnostic(d('a.yaml', 1, 1, 'YAML: bad', ''))).toBe('a.yaml:1:1 YAML: bad');
  });

  it('sorts by file, then line, then column', () => {
    const sorted = sortDiagnostics([d('b.yaml', 1, 1), d('a.yaml', 9, 2), d('a.yaml', 9, 1), d('a.yaml', 2, 5)]);
    expect(sorted.map((x) => `${x.file}:${x.line}:${x.column}`)).toEqual(['a.yaml:2:5', 'a.yaml:9:1', 'a.yaml:9:2', 'b.yaml:1:1']);
  });

  it('suggests a close word and nothing for a distant one', () => {
    expect(suggest('shiped', ['shipped', 'paid'])).toBe('shipped');
    expect(suggest('trasitions', ['transitions', 'task'])).toBe('transitions');
    expect(suggest('Task', ['task'])).toBe('task');
    expect(suggest('colour', ['type', 'status', 'result'])).toBeUndefined();
    expect(suggest('ab', ['xy'])).toBeUndefined();
    expect(didYouMean('nxt', ['next'])).toBe(' (did you mean "next"?)');
    expect(didYouMean('zzz', ['next'])).toBe('');
  });

  it('writes JSON paths with dots and indices', () => {
    expect(formatPath(['states', 'check', 'choices', 0, 'next'])).toBe('states.check.choices[0].next');
    expect(formatPath(['states', 'a', 'params', 'content-type'])).toBe('states.a.params["content-type"]');
    expect(formatPath([])).toBe('');
  });
});
