/**
 * The `switchyard` command: dispatches to a subcommand module, each exporting
 * `run(argv: string[]): Promise<void>`. Modules load lazily so `validate` never loads the server.
 */
const HELP = `Usage: switchyard <command> [options]

Commands:
  serve                         run the orchestrator (HTTP API, engine, docs page)
  worker --tasks echo,sleep,fail  run the example worker
  validate <file|dir>...        check blueprints; exit 0 when all are valid, 1 otherwise
  graph <file> [--format dot|svg]  draw a blueprint's graph

Run "switchyard <command> --help" for the options of a command.
`;

const COMMANDS: Record<string, { module: string; owner: string }> = {
  serve: { module: './serve.js', owner: 'src/cli/serve.ts' },
  worker: { module: './worker.js', owner: 'src/cli/worker.ts' },
  validate: { module: './validate.js', owner: 'src/cli/validate.ts' },
  graph: { module: './graph.js', owner: 'src/cli/graph.ts' },
};

interface CommandModule {
  run(argv: string[]): Promise<void>;
}

export async function dispatch(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(HELP);
    if (name === undefined) process.exitCode = 2;
    return;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`switchyard: unknown command "${name}"\n\n${HELP}`);
    process.exitCode = 2;
    return;
  }
  let loaded: Partial<CommandModule>;
  try {
    loaded = (await import(command.module)) as Partial<CommandModule>;
  } catch (error) {
    if (isMissingModule(error, command.module)) {
      process.stderr.write(`switchyard ${name}: this command is not available in this build (${command.owner} is missing)\n`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
  if (typeof loaded.run !== 'function') {
    process.stderr.write(`switchyard ${name}: ${command.owner} does not export run(argv)\n`);
    process.exitCode = 1;
    return;
  }
  await loaded.run(rest);
}

/** True when the import failed because the command's own file does not exist (not one of its imports). */
function isMissingModule(error: unknown, module: string): boolean {
  const e = error as { code?: string; message?: string };
  if (e.code !== 'ERR_MODULE_NOT_FOUND') return false;
  const stem = module.replace(/^\.\//, '').replace(/\.js$/, '');
  return new RegExp(`[/\\\\]cli[/\\\\]${stem}\\.(js|ts)'`).test(e.message ?? '');
}

try {
  await dispatch(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`switchyard: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
}
