/**
 * `switchyard serve`: configuration from the environment, start, print where to go, and shut down
 * gracefully on SIGTERM/SIGINT (exit code 0; the process is killed with 1 if stopping takes over 10 s).
 */
import { loadConfig } from '../config.js';
import { SwitchyardError } from '../errors.js';
import { startSwitchyard } from '../main.js';

const SHUTDOWN_LIMIT_MS = 10_000;

/** Resolves once the server has stopped; sets process.exitCode (0 after a graceful stop, 1 on failure). */
export async function run(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  process.exitCode = await serve(argv, env);
}

async function serve(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(
      'usage: switchyard serve\n\nServes the blueprints of BLUEPRINTS_DIR. Configuration comes from environment variables;\nsee docs/configuration.md.\n',
    );
    return 0;
  }
  let running;
  try {
    const config = loadConfig(env);
    running = await startSwitchyard(config);
    const lines = [
      `Switchyard is listening on ${running.url} (store: ${running.store.kind}, blueprints: ${[...running.engine.blueprints.keys()].join(', ') || 'none'})`,
    ];
    for (const [name, token] of Object.entries(config.generatedTokens)) {
      lines.push(`${name} was not set; generated for this run: ${token}`);
    }
    lines.push(`API docs: ${running.url}/_public/docs`, `Console:  ${running.url}/_public/console/`);
    if (running.store.kind === 'memory') {
      lines.push('Warning: the memory store forgets every job and worker when this process exits; set REDIS_URL to keep them.');
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } catch (error) {
    if (error instanceof SwitchyardError) {
      process.stderr.write(`switchyard: ${error.message}\n`);
      return 1;
    }
    throw error;
  }

  const server = running;
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      process.stdout.write(`${signal}: shutting down\n`);
      const limit = setTimeout(() => {
        process.stderr.write(`switchyard: shutdown took longer than ${SHUTDOWN_LIMIT_MS / 1000} s; exiting\n`);
        process.exit(1);
      }, SHUTDOWN_LIMIT_MS);
      limit.unref();
      server.close().then(
        () => {
          clearTimeout(limit);
          resolve(0);
        },
        (error: unknown) => {
          clearTimeout(limit);
          process.stderr.write(`switchyard: shutdown failed: ${error instanceof Error ? error.message : String(error)}\n`);
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
