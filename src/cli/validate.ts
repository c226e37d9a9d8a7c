/**
 * `switchyard validate <file|dir>...`: every problem of every blueprint, one per line, as
 * `file:line:column path: message`. Exit 0 when all are valid, 1 when any is not, 2 for bad usage.
 */
import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { formatDiagnostic, sortDiagnostics } from '../blueprint/diagnostics.js';
import { loadBlueprintFile, loadBlueprints } from '../blueprint/load.js';
import type { CompiledBlueprint, Diagnostic } from '../blueprint/types.js';

export const HELP = `Usage: switchyard validate <file|dir>... [--format text|json]

Checks blueprints: YAML syntax, the JSON Schema (schemas/blueprint.schema.json), the graph
(targets, reachability, child blueprints, endpoints) and every \${ ... } expression.
A directory means every *.yaml/*.yml file in it, checked together (child blueprints, unique endpoints).

Options:
  --format text|json   text (default): one line per problem, file:line:column path: message
                       json: { valid, blueprints, diagnostics } for machines
  -h, --help           show this help

Exit status: 0 when every blueprint is valid, 1 when any problem was found, 2 for bad usage.
`;

export interface Output {
  out(text: string): void;
  err(text: string): void;
}

const STD: Output = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

export async function run(argv: string[]): Promise<void> {
  process.exitCode = await validateCommand(argv, STD);
}

export async function validateCommand(argv: string[], io: Output): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { format: { type: 'string', default: 'text' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    io.err(`switchyard validate: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (parsed.values.help) {
    io.out(HELP);
    return 0;
  }
  const format = parsed.values.format;
  if (format !== 'text' && format !== 'json') {
    io.err(`switchyard validate: --format must be text or json, not "${format}"\n`);
    return 2;
  }
  if (parsed.positionals.length === 0) {
    io.err(`switchyard validate: name at least one file or directory\n\n${HELP}`);
    return 2;
  }

  const diagnostics: Diagnostic[] = [];
  const blueprints: CompiledBlueprint[] = [];
  for (const target of parsed.positionals) {
    const isDir = await stat(target).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (isDir) {
      const result = await loadBlueprints(target);
      diagnostics.push(...result.diagnostics);
      blueprints.push(...result.blueprints.values());
    } else {
      const result = await loadBlueprintFile(target);
      diagnostics.push(...result.diagnostics);
      if (result.blueprint) blueprints.push(result.blueprint);
    }
  }
  const sorted = sortDiagnostics(diagnostics);
  const valid = sorted.length === 0;

  if (format === 'json') {
    const report = {
      valid,
      blueprints: blueprints.map((b) => ({ name: b.name, version: b.version, file: b.file, states: b.states.size })),
      diagnostics: sorted.map((d) => ({ ...d, text: formatDiagnostic(d) })),
    };
    io.out(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    for (const d of sorted) io.out(`${formatDiagnostic(d)}\n`);
    if (valid) {
      for (const b of blueprints) io.out(`ok ${b.file} (${b.name} v${b.version}, ${b.states.size} state${b.states.size === 1 ? "" : "s"})\n`);
      io.err(`${blueprints.length} blueprint${blueprints.length === 1 ? '' : 's'} valid\n`);
    } else {
      const files = new Set(sorted.map((d) => d.file)).size;
      io.err(`${sorted.length} problem${sorted.length === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}\n`);
    }
  }
  return valid ? 0 : 1;
}
