/**
 * Diagnostics: how every stage reports a problem, and the one-line format the CLI and the server print:
 * `blueprints/shop.yaml:14:9 states.pay.transitions.success: unknown state "shiped" (did you mean "shipped"?)`.
 */
import { closest, distance } from 'fastest-levenshtein';
import type { Diagnostic } from './types.js';

export function formatDiagnostic(d: Diagnostic): string {
  const where = `${d.file}:${d.line}:${d.column}`;
  return d.path === '' ? `${where} ${d.message}` : `${where} ${d.path}: ${d.message}`;
}

/** Sorted by file, line, column (then message, so equal positions are still deterministic). */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      compareStrings(a.file, b.file) || a.line - b.line || a.column - b.column || compareStrings(a.message, b.message),
  );
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The closest candidate when it is close enough to be a typo: at most a third of the word's length
 * (at least 1, at most 3) edits away. Case-only differences always count.
 */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  const list = [...candidates].filter((c) => c !== word);
  if (list.length === 0) return undefined;
  const lower = list.find((c) => c.toLowerCase() === word.toLowerCase());
  if (lower !== undefined) return lower;
  const best = closest(word, list);
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  return distance(word, best) <= limit ? best : undefined;
}

/** ` (did you mean "x"?)` or the empty string. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const s = suggest(word, candidates);
  return s === undefined ? '' : ` (did you mean "${s}"?)`;
}

/** Dotted JSON path: `states.pay.transitions.success`, `states.check.choices[0].next`. */
export function formatPath(segments: ReadonlyArray<string | number>): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}
