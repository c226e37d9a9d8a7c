/**
 * `switchyard graph <file> [--format dot|svg]`: the blueprint's graph as DOT (pipe it to `dot -Tsvg`)
 * or as SVG rendered in-process by Graphviz compiled to WebAssembly.
 */
import { parseArgs } from 'node:util';
import { formatDiagnostic } from '../blueprint/diagnostics.js';
import { toDot } from '../blueprint/dot.js';
import { loadBlueprintFile } from '../blueprint/load.js';
import { toSvg } from '../blueprint/svg.js';
import type { Output } from './validate.js';

export const HELP = `Usage: switchyard graph <file> [--format dot|svg]

Prints the graph of one blueprint: states coloured by type, transitions labelled by status,
decision or condition. Same file, same bytes.

Options:
  --format dot|svg   dot (default): Graphviz DOT, e.g. switchyard graph f.yaml | dot -Tsvg > g.svg
                     svg: rendered here (Graphviz in WebAssembly; no system Graphviz needed)
  -h, --help         show this help

Exit status: 0 on success, 1 when the blueprint has problems (they are printed), 2 for bad usage.
`;

const STD: Output = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

export async function run(argv: string[]): Promise<void> {
  process.exitCode = await graphCommand(argv, STD);
}

export async function graphCommand(argv: string[], io: Output): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { format: { type: 'string', default: 'dot' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    io.err(`switchyard graph: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (parsed.values.help) {
    io.out(HELP);
    return 0;
  }
  const format = parsed.values.format;
  if (format !== 'dot' && format !== 'svg') {
    io.err(`switchyard graph: --format must be dot or svg, not "${format}"\n`);
    return 2;
  }
  const [file, ...extra] = parsed.positionals;
  if (file === undefined || extra.length > 0) {
    io.err(`switchyard graph: name exactly one blueprint file\n\n${HELP}`);
    return 2;
  }
  const { blueprint, diagnostics } = await loadBlueprintFile(file);
  if (!blueprint) {
    for (const d of diagnostics) io.err(`${formatDiagnostic(d)}\n`);
    return 1;
  }
  const dot = toDot(blueprint);
  io.out(format === 'svg' ? await toSvg(dot) : dot);
  return 0;
}
