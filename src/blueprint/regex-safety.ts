/**
 * Regex literals that can backtrack exponentially. JSONata's time limit is checked between evaluation
 * steps, but a regex runs natively inside one step: `/^(a+)+$/` against 40 client-sent characters
 * would hold the process for hours. A regex is a literal in an expression's syntax tree, checked when
 * the blueprint loads; only `$eval` of a string can build one at run time, and the RegexEngine given
 * to JSONata (SafeRegExp) checks those. The check is the classic "star height" rule: a group repeated without bound
 * must not itself contain a repetition without bound. (Overlapping alternatives such as `(a|aa)+`
 * are not caught; see docs/security.md.)
 */

/** A repeat without a small upper bound: `*`, `+`, `{n,}`, or `{n,m}` with m - n >= 10. */
const UNBOUNDED = /^(?:[*+]|\{\d+,\}|\{(\d+),(\d+)\})/;

function unboundedAt(source: string, at: number): number {
  const match = UNBOUNDED.exec(source.slice(at));
  if (!match) return 0;
  if (match[1] !== undefined && Number(match[2]) - Number(match[1]) < 10) return 0;
  return match[0].length;
}

/** Whether the pattern repeats, without bound, a group that repeats something without bound. */
export function hasNestedQuantifier(source: string): boolean {
  // One frame per open group: does anything inside it repeat without bound?
  const frames: boolean[] = [false];
  let lastGroupRepeats = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') {
      i++;
      lastGroupRepeats = false;
      continue;
    }
    if (c === '[') {
      // A character class is one atom; skip to its closing bracket.
      for (i++; i < source.length && source[i] !== ']'; i++) if (source[i] === '\\') i++;
      lastGroupRepeats = false;
      continue;
    }
    if (c === '(') {
      frames.push(false);
      continue;
    }
    if (c === ')') {
      const inner = frames.length > 1 ? frames.pop()! : false;
      lastGroupRepeats = inner;
      if (inner) frames[frames.length - 1] = true;
      continue;
    }
    const repeat = unboundedAt(source, i);
    if (repeat > 0) {
      if (source[i - 1] === ')' && lastGroupRepeats) return true;
      frames[frames.length - 1] = true;
      i += repeat - 1;
    }
    lastGroupRepeats = false;
  }
  return false;
}

/** The first regex literal in a JSONata syntax tree that fails `hasNestedQuantifier`. */
export function unsafeRegexIn(ast: unknown): RegExp | undefined {
  const seen = new Set<unknown>();
  const stack: unknown[] = [ast];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object' || seen.has(node)) continue;
    seen.add(node);
    if (node instanceof RegExp) {
      if (hasNestedQuantifier(node.source)) return node;
      continue;
    }
    for (const value of Object.values(node)) stack.push(value);
  }
  return undefined;
}

/**
 * The RegexEngine JSONata is given: refuses an unsafe pattern when it is built at run time, which only
 * `$eval` of a string can do (every literal was already checked at load).
 */
export class SafeRegExp extends RegExp {
  constructor(pattern: string | RegExp, flags?: string) {
    const source = typeof pattern === 'string' ? pattern : pattern.source;
    if (hasNestedQuantifier(source)) throw new Error(unsafeRegexMessage(new RegExp(pattern, flags)));
    super(pattern, flags);
  }
}

export function unsafeRegexMessage(regex: RegExp): string {
  return `regex ${String(regex)} repeats a group that itself repeats without bound, which can take exponential time on some inputs; rewrite it without the nested repeat (e.g. (a+)+ as a+)`;
}
