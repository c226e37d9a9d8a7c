/**
 * Fuzzing the blueprint loader: random YAML, and the shipped blueprints (blueprints/*.yaml and this
 * suite's) mutated by line, by character and by value. The loader must never throw: every problem is
 * a diagnostic with a file, a line and a message; and whatever compiles must be usable (drawable).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { loadBlueprintSources, toDot, type LoadOptions, type LoadResult, type SourceFile } from '../../src/blueprint/index.js';
import { FUZZ_TEST_TIMEOUT, runFuzz } from './fuzz-settings.js';
import { SEC_BLUEPRINTS } from './support.js';

const SHIPPED = fileURLToPath(new URL('../../blueprints', import.meta.url));
const seeds: SourceFile[] = [SHIPPED, SEC_BLUEPRINTS].flatMap((dir) =>
  readdirSync(dir)
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => ({ file: name, text: readFileSync(join(dir, name), 'utf8') })),
);

/** The rules every load must keep, whatever the input. */
function checkLoad(sources: SourceFile[], options: LoadOptions = {}): void {
  const started = Date.now();
  let result: LoadResult;
  try {
    result = loadBlueprintSources(sources, options);
  } catch (error) {
    throw new Error(`the loader threw ${String(error)} for ${JSON.stringify(sources.map((s) => s.text.slice(0, 400)))}`);
  }
  // A slow load would be a denial of service at start-up and in `switchyard validate`.
  expect(Date.now() - started).toBeLessThan(5000);
  for (const d of result.diagnostics) {
    expect(typeof d.message === 'string' && d.message.length > 5, JSON.stringify(d)).toBe(true);
    expect(sources.some((s) => s.file === d.file), JSON.stringify(d)).toBe(true);
    expect(Number.isInteger(d.line) && d.line >= 0 && Number.isInteger(d.column) && d.column >= 0, JSON.stringify(d)).toBe(true);
  }
  for (const blueprint of result.blueprints.values()) expect(toDot(blueprint)).toContain('digraph');
}

const anySeed = fc.constantFrom(...seeds);

/** Line-level edits: delete, duplicate, swap, re-indent, or replace a line with junk. */
const lineMutation = fc.tuple(fc.nat(), fc.nat(), fc.constantFrom('delete', 'duplicate', 'swap', 'indent', 'dedent', 'junk'), fc.string({ maxLength: 30 }));
function mutateLines(text: string, edits: (readonly [number, number, string, string])[]): string {
  const lines = text.split('\n');
  for (const [a, b, kind, junk] of edits) {
    const i = a % lines.length;
    const j = b % lines.length;
    if (kind === 'delete') lines.splice(i, 1);
    else if (kind === 'duplicate') lines.splice(i, 0, lines[i] ?? '');
    else if (kind === 'swap') [lines[i], lines[j]] = [lines[j] ?? '', lines[i] ?? ''];
    else if (kind === 'indent') lines[i] = `  ${lines[i] ?? ''}`;
    else if (kind === 'dedent') lines[i] = (lines[i] ?? '').replace(/^ {1,2}/, '');
    else lines[i] = junk;
    if (lines.length === 0) lines.push('');
  }
  return lines.join('\n');
}

/** Character-level edits: insert YAML-significant characters, or cut the text short. */
const charMutation = fc.tuple(fc.nat(), fc.constantFrom(':', '-', '[', ']', '{', '}', '&a', '*a', '!!binary', '"', "'", '#', '|', '>', '\t', '${', '}', '\u0000', '\uFEFF', '?', '%YAML 1.1\n---\n', '<<: *a'));
function mutateChars(text: string, edits: (readonly [number, string])[], cut: number | null): string {
  let out = text;
  for (const [at, insert] of edits) {
    const i = at % (out.length + 1);
    out = out.slice(0, i) + insert + out.slice(i);
  }
  return cut === null ? out : out.slice(0, cut % (out.length + 1));
}

/** Value-level edits through the YAML document: replace a scalar or mapping at a random path with a random value. */
const valueMutation = fc.tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), fc.jsonValue({ maxDepth: 3 }));
function mutateValue(text: string, [steps, replacement]: readonly [number[], unknown]): string {
  const doc = parseDocument(text);
  let node: unknown = doc.contents;
  const path: (string | number)[] = [];
  for (const step of steps) {
    const items = (node as { items?: { key?: { value?: unknown }; value?: unknown }[] } | null)?.items;
    if (!Array.isArray(items) || items.length === 0) break;
    const item = items[step % items.length]!;
    if (item.key !== undefined) {
      path.push(String(item.key.value ?? item.key));
      node = item.value;
    } else {
      path.push(step % items.length);
      node = item;
    }
  }
  if (path.length === 0) return text;
  doc.setIn(path, replacement);
  return doc.toString();
}

describe('fuzzing the blueprint loader', () => {
  it(
    'answers random text with diagnostics, never an exception',
    async () => {
      const text = fc.oneof(
        fc.string({ maxLength: 400 }),
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? ''),
        fc.dictionary(fc.constantFrom('name', 'start', 'states', 'input', 'description', 'version', 'x'), fc.jsonValue({ maxDepth: 3 })).map((v) => JSON.stringify(v)),
      );
      await runFuzz('blueprint random', fc.asyncProperty(text, async (t) => checkLoad([{ file: 'fuzz.yaml', text: t }])));
    },
    FUZZ_TEST_TIMEOUT,
  );

  it(
    'answers the shipped blueprints mutated by line, character and value with diagnostics or a usable blueprint',
    async () => {
      const mutated = fc.oneof(
        fc.tuple(anySeed, fc.array(lineMutation, { minLength: 1, maxLength: 4 })).map(([s, edits]) => ({ file: s.file, text: mutateLines(s.text, edits) })),
        fc.tuple(anySeed, fc.array(charMutation, { minLength: 1, maxLength: 4 }), fc.option(fc.nat())).map(([s, edits, cut]) => ({ file: s.file, text: mutateChars(s.text, edits, cut) })),
        fc.tuple(anySeed, valueMutation).map(([s, edit]) => ({ file: s.file, text: mutateValue(s.text, edit) })),
      );
      // The other blueprints' names are known, so that `blueprint` states naming them are checked as in a directory.
      const names = seeds.map((s) => /^name:\s*(\S+)/m.exec(s.text)?.[1] ?? '');
      const property = fc.asyncProperty(mutated, async (source) => checkLoad([source], { knownBlueprints: names }));
      await runFuzz('blueprint mutated', property);
    },
    FUZZ_TEST_TIMEOUT,
  );

  it('answers a YAML alias bomb and a 10,000-deep nesting with diagnostics, quickly', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 10; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    const deep = `name: deep\nstart: s\nstates: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`;
    for (const text of [bomb.join('\n'), deep]) {
      const started = Date.now();
      const result = loadBlueprintSources([{ file: 'bomb.yaml', text }]);
      expect(result.blueprints.size).toBe(0);
      expect(result.diagnostics.length).toBeGreaterThan(0);
      expect(Date.now() - started).toBeLessThan(3000);
    }
  });
});
