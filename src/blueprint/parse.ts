/**
 * Stage 1: YAML text -> plain value, keeping the document so that every later stage can point at the
 * line and column of any JSON path. YAML syntax errors and duplicate keys become diagnostics.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node, Pair } from 'yaml';
import { formatPath } from './diagnostics.js';
import type { Diagnostic } from './types.js';

export type PathSegment = string | number;

export interface Position {
  line: number;
  column: number;
}

export interface ParsedFile {
  readonly file: string;
  readonly text: string;
  /** The plain value; undefined when the YAML could not be read at all. */
  readonly value: unknown;
  readonly diagnostics: Diagnostic[];
  /** Where the value at `path` is written; `key` points at the key of its last segment instead. */
  locate(path: readonly PathSegment[], part?: 'key' | 'value'): Position;
  /** The YAML text from the key of `path` to the end of its value, as written. */
  sourceText(path: readonly PathSegment[]): string;
  /** The text of the scalar at `path` as written (with its quotes), if it is a scalar. */
  scalarSource(path: readonly PathSegment[]): string | undefined;
}

const EXPRESSION_HINT =
  ' (an expression that holds ": " or " #", or stands inside a flow mapping { }, must be quoted: \'${ ... }\')';

export function parseBlueprintText(text: string, file: string): ParsedFile {
  const lineCounter = new LineCounter();
  // Duplicate keys are found below, so that the message can name the key and its first line.
  // `merge`: `<<: *anchor` merge keys, which authors of YAML pipelines expect (GitLab CI, Compose).
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false, strict: true, merge: true });
  const at = (offset: number): Position => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };

  const diagnostics: Diagnostic[] = [];
  const seenLines = new Set<number>();
  const lines = doc.errors.length > 0 ? text.split(/\r?\n/) : [];
  for (const error of doc.errors) {
    const pos = at(errorOffset(text, error.code, error.message, error.pos[0]));
    // One mistake often produces a cascade: more errors on the same line, and, once the parser lost
    // the structure, an "unexpected token in YAML stream" for every line after it. The first says it best.
    if (seenLines.has(pos.line)) continue;
    if (seenLines.size > 0 && error.message.includes('in YAML stream')) continue;
    seenLines.add(pos.line);
    const message = yamlErrorMessage(error.code, error.message, lines[pos.line - 1] ?? '');
    diagnostics.push({ file, ...pos, path: '', check: 'yaml', message });
  }
  const syntaxOk = doc.errors.length === 0;
  if (syntaxOk) findDuplicateKeys(doc.contents, [], file, at, diagnostics);

  let value: unknown;
  if (syntaxOk) {
    try {
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch (error) {
      // Aliases are resolved here: an alias before its anchor, or an alias bomb.
      const message = (error as Error).message;
      const alias = /: (\S+)$/.exec(message)?.[1];
      const offset = alias === undefined ? -1 : text.indexOf(`*${alias}`);
      diagnostics.push({ file, ...at(Math.max(offset, 0)), path: '', check: 'yaml', message: `YAML: ${message}` });
    }
  }

  return {
    file,
    text,
    value,
    diagnostics,
    locate: (path, part = 'value') => locate(doc, path, part, at),
    sourceText: (path) => sourceText(doc, path, text),
    scalarSource: (path) => {
      const { found, complete } = walk(doc, path);
      const range = isScalar(found.node) ? found.node.range : undefined;
      return complete && range ? text.slice(range[0], range[1]) : undefined;
    },
  };
}

/**
 * An unclosed quote is reported by the parser at the end of the file; the useful place is the
 * opening quote, which is the last such quote before that point (an unclosed scalar holds no other).
 */
function errorOffset(text: string, code: string, message: string, offset: number): number {
  if (code !== 'MISSING_CHAR') return offset;
  const quote = /closing (["'])/.exec(message)?.[1];
  if (quote === undefined) return offset;
  const opening = text.lastIndexOf(quote, Math.max(offset - 1, 0));
  return opening >= 0 ? opening : offset;
}

/** The parser's message in words an author can act on, with the hint to quote an expression on its line. */
function yamlErrorMessage(code: string, message: string, lineText: string): string {
  const hint = lineText.includes('${') && !/['"]\s*\$\{/.test(lineText) ? EXPRESSION_HINT : '';
  const quote = code === 'MISSING_CHAR' ? /closing (["'])/.exec(message)?.[1] : undefined;
  let text: string;
  if (quote) text = `this quoted string is never closed: add the closing ${quote}`;
  else if (message.startsWith('Source contains multiple documents')) {
    text = 'a blueprint file holds one YAML document: remove this "---" and what follows, or move it to its own file';
  } else text = firstLine(message);
  return `YAML: ${text}${hint}`;
}

function firstLine(message: string): string {
  const line = message.split('\n')[0] ?? message;
  return line.replace(/ at line \d+, column \d+:?$/, '');
}

function keyOf(pair: Pair): string | undefined {
  const k = pair.key;
  if (isScalar(k)) return String(k.value);
  return undefined;
}

function findDuplicateKeys(
  node: unknown,
  path: PathSegment[],
  file: string,
  at: (offset: number) => Position,
  out: Diagnostic[],
): void {
  if (isMap(node)) {
    const first = new Map<string, Position>();
    for (const pair of node.items) {
      const key = keyOf(pair);
      // Several `<<` merge keys in one mapping are allowed.
      if (key !== undefined && key !== '<<' && isScalar(pair.key) && pair.key.range) {
        const pos = at(pair.key.range[0]);
        const earlier = first.get(key);
        if (earlier) {
          out.push({
            file,
            ...pos,
            path: formatPath([...path, key]),
            check: 'yaml',
            message: `duplicate key "${key}" (first defined on line ${earlier.line}); a key may appear once in a mapping`,
          });
        } else {
          first.set(key, pos);
        }
      }
      findDuplicateKeys(pair.value, key === undefined ? path : [...path, key], file, at, out);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => findDuplicateKeys(item, [...path, i], file, at, out));
  }
}

/** Key -> pair of a mapping, built once per mapping: locating every state of a big file stays linear. */
const pairIndex = new WeakMap<object, Map<string, Pair>>();
function pairsOf(node: { items: unknown[] }): Map<string, Pair> {
  let index = pairIndex.get(node);
  if (!index) {
    index = new Map();
    for (const item of node.items) {
      if (!isPair(item)) continue;
      const key = keyOf(item);
      // The first of duplicate keys is the one reported as the original.
      if (key !== undefined && !index.has(key)) index.set(key, item);
    }
    pairIndex.set(node, index);
  }
  return index;
}

interface Found {
  pair?: Pair;
  node: unknown;
}

/** Walks `path` as far as the document goes; returns the deepest node found and the pair holding it. */
function walk(doc: Document, path: readonly PathSegment[]): { found: Found; complete: boolean } {
  let current: Found = { node: doc.contents };
  for (const segment of path) {
    let node = current.node;
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = pairsOf(node).get(String(segment));
      if (!pair) return { found: current, complete: false };
      current = { pair, node: pair.value };
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (item === undefined) return { found: current, complete: false };
      current = { node: item };
    } else {
      return { found: current, complete: false };
    }
  }
  return { found: current, complete: true };
}

function startOf(node: unknown): number | undefined {
  if (node && typeof node === 'object' && 'range' in node) {
    const range = (node as Node).range;
    if (range) return range[0];
  }
  return undefined;
}

function locate(
  doc: Document,
  path: readonly PathSegment[],
  part: 'key' | 'value',
  at: (offset: number) => Position,
): Position {
  const { found, complete } = walk(doc, path);
  // A missing key, or the key itself, is shown at the key that holds the deepest existing value.
  const wantKey = part === 'key' || !complete;
  const offset =
    (wantKey ? startOf(found.pair?.key) : undefined) ??
    startOf(found.node) ??
    startOf(found.pair?.key) ??
    startOf(doc.contents) ??
    0;
  return at(offset);
}

function sourceText(doc: Document, path: readonly PathSegment[], text: string): string {
  const { found } = walk(doc, path);
  const start = startOf(found.pair?.key) ?? startOf(found.node);
  const node = found.node as Node | null;
  const end = node?.range?.[1];
  if (start === undefined || end === undefined) return '';
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  return text.slice(lineStart, end).replace(/\s+$/, '');
}
