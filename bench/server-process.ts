import { installProbe, send } from './child/probe.js';

/**
 * Switchyard as a child process of the bench, so that its CPU and memory are measured apart from the
 * load generator's. Configuration comes from the environment exactly as for `switchyard serve`
 * (PORT=0, BLUEPRINTS_DIR, CLIENT_TOKEN, GLOBAL_WORKER_TOKEN, REDIS_URL, ...); the port goes back to the
 * bench over IPC, and the probe answers with heap, RSS and event-loop delay. Nothing here changes how
 * the server works: it is the public `startSwitchyard(loadConfig(env))`.
 */
type Start = (config: unknown, ...rest: unknown[]) => Promise<unknown>;
type Load = (env: NodeJS.ProcessEnv) => unknown;

function portOf(running: unknown): number {
  const candidate = running as { port?: unknown; url?: unknown; server?: { address?: () => unknown } } | null;
  if (typeof candidate?.port === 'number') return candidate.port;
  if (typeof candidate?.url === 'string') return Number(new URL(candidate.url).port);
  const address = candidate?.server?.address?.();
  if (typeof address === 'object' && address !== null && typeof (address as { port?: unknown }).port === 'number') {
    return (address as { port: number }).port;
  }
  throw new Error('startSwitchyard returned no port, url or server');
}

async function main(): Promise<void> {
  // Imported by name at run time: the bench must typecheck and drive other servers even while the
  // server's entry point changes shape.
  const mainModule = (await import('../src/main' + '.js')) as { startSwitchyard?: Start };
  const configModule = (await import('../src/config' + '.js')) as { loadConfig?: Load };
  if (!mainModule.startSwitchyard || !configModule.loadConfig) {
    throw new Error('src/main.ts must export startSwitchyard and src/config.ts loadConfig');
  }
  const config = configModule.loadConfig(process.env);
  const running = await mainModule.startSwitchyard(config);
  installProbe();
  const close = (running as { close?: () => Promise<void> } | null)?.close;
  process.once('SIGTERM', () => {
    void (close ? close.call(running) : Promise.resolve()).finally(() => process.exit(0));
  });
  send({ type: 'ready', port: portOf(running) });
}

main().catch((error: unknown) => {
  send({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
});
