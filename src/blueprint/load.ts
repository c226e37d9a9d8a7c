/**
 * Public entry points: load one file or a whole directory through `parse -> validateSchema ->
 * validateGraph -> validateExpressions -> compile`. Every problem of every file is reported at once,
 * sorted by file, line and column; a file with any problem is not compiled. The loader never throws
 * for bad content: problems are diagnostics.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { compileBlueprint } from './compile.js';
import { formatPath, sortDiagnostics } from './diagnostics.js';
import { asObject } from './raw-state.js';
import { checkInputSchema } from './input-schema.js';
import { parseBlueprintText } from './parse.js';
import type { ParsedFile } from './parse.js';
import { validateExpressions } from './validate-expressions.js';
import { validateGraph } from './validate-graph.js';
import { validateSchema } from './validate-schema.js';
import type { CompiledBlueprint, Diagnostic, RawBlueprint } from './types.js';

export interface SourceFile {
  readonly file: string;
  readonly text: string;
}

export interface LoadResult {
  readonly blueprints: Map<string, CompiledBlueprint>;
  readonly diagnostics: Diagnostic[];
}

export interface LoadOptions {
  /** Blueprint names that `blueprint` states may start besides those loaded (e.g. a file's siblings). */
  readonly knownBlueprints?: Iterable<string>;
}

export const BLUEPRINT_FILE = /\.ya?ml$/;

/** Loads the given texts as one directory: child blueprints and endpoints are checked across them. */
export function loadBlueprintSources(sources: readonly SourceFile[], options: LoadOptions = {}): LoadResult {
  const parsed = sources.map((s) => parseBlueprintText(s.text, s.file));
  const names = new Set<string>(options.knownBlueprints ?? []);
  for (const p of parsed) {
    const name = asObject(p.value)?.name;
    if (typeof name === 'string') names.add(name);
  }

  const diagnostics: Diagnostic[] = [];
  const clean: ParsedFile[] = [];
  for (const p of parsed) {
    const found = [...p.diagnostics];
    if (p.value !== undefined) {
      found.push(...validateSchema(p));
      found.push(...checkInputSchema(p, asObject(p.value)?.input));
      found.push(...validateGraph(p, { blueprintNames: names }));
      found.push(...validateExpressions(p));
    }
    diagnostics.push(...found);
    if (found.length === 0) clean.push(p);
  }
  diagnostics.push(...checkAcrossFiles(parsed));

  const blueprints = new Map<string, CompiledBlueprint>();
  const broken = new Set(diagnostics.map((d) => d.file));
  for (const p of clean) {
    if (broken.has(p.file)) continue;
    try {
      const compiled = compileBlueprint(p, p.value as RawBlueprint);
      blueprints.set(compiled.name, compiled);
    } catch (error) {
      // Every check passed, so this is a bug in the loader; still a diagnostic, never a crash.
      diagnostics.push({
        file: p.file,
        line: 1,
        column: 1,
        path: '',
        check: 'schema',
        message: `could not compile: ${(error as Error).message}`,
      });
    }
  }
  return { blueprints, diagnostics: sortDiagnostics(diagnostics) };
}

/** Names are unique across the directory, and so are endpoints (`POST /api/<version><endpoint>`). */
function checkAcrossFiles(parsed: readonly ParsedFile[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const byName = new Map<string, string>();
  const byEndpoint = new Map<string, { name: string; file: string }>();
  for (const p of parsed) {
    const root = asObject(p.value);
    const name = root?.name;
    if (typeof name !== 'string') continue;
    const other = byName.get(name);
    if (other !== undefined) {
      out.push({
        file: p.file,
        ...p.locate(['name']),
        path: 'name',
        check: 'graph',
        message: `blueprint name "${name}" is already used by ${other}; names are unique in a directory`,
      });
      continue;
    }
    byName.set(name, p.file);
    if (root?.api === false) continue;
    const api = asObject(root?.api);
    const version = typeof api?.version === 'string' ? api.version : 'v1';
    const endpoint = typeof api?.endpoint === 'string' ? api.endpoint : `/jobs/${name}`;
    const key = `/api/${version}${endpoint}`;
    const taken = byEndpoint.get(key);
    if (taken) {
      const path = typeof api?.endpoint === 'string' ? ['api', 'endpoint'] : ['name'];
      out.push({
        file: p.file,
        ...p.locate(path),
        path: formatPath(path),
        check: 'graph',
        message: `endpoint POST ${key} is already used by blueprint "${taken.name}" (${taken.file}); endpoints are unique`,
      });
    } else {
      byEndpoint.set(key, { name, file: p.file });
    }
  }
  return out;
}

/** Every `*.yaml`/`*.yml` in `dir` (not its subdirectories), in name order. */
export async function loadBlueprints(dir: string): Promise<LoadResult> {
  let entries: string[];
  try {
    entries = (await readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isFile() && BLUEPRINT_FILE.test(e.name))
      .map((e) => e.name)
      .sort();
  } catch (error) {
    return { blueprints: new Map(), diagnostics: [unreadable(dir, error)] };
  }
  const sources = await Promise.all(entries.map(async (name) => ({ file: join(dir, name), text: await readFile(join(dir, name), 'utf8') })));
  return loadBlueprintSources(sources);
}

/**
 * One file. Its `blueprint` states may name the blueprints of the files beside it (read for their
 * names only); problems in those files are not this file's problems.
 */
export async function loadBlueprintFile(
  path: string,
): Promise<{ blueprint?: CompiledBlueprint; diagnostics: Diagnostic[] }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return { diagnostics: [unreadable(path, error)] };
  }
  const knownBlueprints = await siblingNames(path);
  const { blueprints, diagnostics } = loadBlueprintSources([{ file: path, text }], { knownBlueprints });
  const blueprint = [...blueprints.values()][0];
  return blueprint ? { blueprint, diagnostics } : { diagnostics };
}

async function siblingNames(path: string): Promise<string[]> {
  const dir = dirname(path);
  const own = basename(path);
  let entries: string[] = [];
  try {
    entries = (await readdir(dir)).filter((n) => n !== own && BLUEPRINT_FILE.test(n));
  } catch {
    return [];
  }
  const names: string[] = [];
  for (const entry of entries) {
    try {
      const value = parseBlueprintText(await readFile(join(dir, entry), 'utf8'), entry).value;
      const name = asObject(value)?.name;
      if (typeof name === 'string') names.push(name);
    } catch {
      // An unreadable sibling simply offers no name.
    }
  }
  return names;
}

function unreadable(file: string, error: unknown): Diagnostic {
  const code = (error as NodeJS.ErrnoException).code;
  const reason = code === 'ENOENT' ? 'no such file or directory' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
  return { file, line: 1, column: 1, path: '', check: 'yaml', message: `cannot read: ${reason}` };
}
