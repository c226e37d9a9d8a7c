/**
 * Stage 4: every `${ ... }` under `states` parses with JSONata; a syntax error is placed at its line and
 * column. A string that starts with `${` but does not end with `}` is an expression that YAML cut short
 * (an unquoted ` #` starts a comment), so the message says to quote it.
 */
import { formatPath } from './diagnostics.js';
import type { ParsedFile, PathSegment } from './parse.js';
import { checkExpression, expressionBody } from './template.js';
import type { Diagnostic } from './types.js';

export function validateExpressions(parsed: ParsedFile): Diagnostic[] {
  const out: Diagnostic[] = [];
  const root = parsed.value;
  if (root === null || typeof root !== 'object' || Array.isArray(root)) return out;
  const states = (root as Record<string, unknown>).states;
  walk(states, ['states'], (value, path) => {
    if (!value.trimStart().startsWith('${')) return;
    const dotted = formatPath(path);
    if (expressionBody(value) === undefined) {
      out.push({
        file: parsed.file,
        ...parsed.locate(path),
        path: dotted,
        check: 'expression',
        message: `the expression \`${value.trim()}\` has no closing "}": YAML cut it short (an unquoted " #" starts a comment); quote the whole expression: '\${ ... }'`,
      });
      return;
    }
    const error = checkExpression(value);
    if (!error) return;
    out.push({
      file: parsed.file,
      ...positionInScalar(parsed, path, value, error.index),
      path: dotted,
      check: 'expression',
      message: `invalid expression ${value.trim()}: ${error.message}`,
    });
  });
  return out;
}

function walk(node: unknown, path: PathSegment[], visit: (value: string, path: PathSegment[]) => void): void {
  if (typeof node === 'string') visit(node, path);
  else if (Array.isArray(node)) node.forEach((item, i) => walk(item, [...path, i], visit));
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      // Descriptions are prose for people, never evaluated.
      if (key === 'description' && path.length === 2) continue;
      walk(value, [...path, key], visit);
    }
  }
}

/**
 * The line and column of character `index` of a scalar's value. Exact for single-line plain and quoted
 * scalars written without escapes; otherwise the scalar's start.
 */
function positionInScalar(parsed: ParsedFile, path: PathSegment[], value: string, index: number) {
  const start = parsed.locate(path);
  const raw = parsed.scalarSource(path);
  if (raw === undefined || value.includes('\n')) return start;
  const quote = raw.startsWith('"') || raw.startsWith("'") ? 1 : 0;
  const inner = quote ? raw.slice(1, -1) : raw;
  if (inner !== value) return start;
  return { line: start.line, column: start.column + quote + index };
}
