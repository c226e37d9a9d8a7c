import { loadConfig } from '../src/config.js';
import { startSwitchyard } from '../src/main.js';
import { installProbe, send } from './child/probe.js';

/**
 * Switchyard as a child process of the bench, so that its CPU and memory are measured apart from the
 * load generator's. Configuration comes from the environment exactly as for `switchyard serve`
 * (PORT=0, BLUEPRINTS_DIR, CLIENT_TOKEN, GLOBAL_WORKER_TOKEN, REDIS_URL, ...); the port goes back to the
 * bench over IPC, and the probe answers with heap, RSS and event-loop delay. Nothing here changes how
 * the server works: it is the public `startSwitchyard(loadConfig(env))`.
 */
async function main(): Promise<void> {
  const running = await startSwitchyard(loadConfig(process.env));
  // The Redis store counts its own round trips; the bench reports that count beside its wire count.
  const counter = (running.store as { roundTrips?: () => number }).roundTrips;
  installProbe((): Record<string, number> => (counter ? { storeRoundTrips: counter.call(running.store) } : {}));
  // A graceful close, but never longer than 3 s: the bench has measured what it needed, and a normal
  // exit is what lets --cpu-prof write its profile.
  process.once('SIGTERM', () => {
    const deadline = new Promise((resolve) => setTimeout(resolve, 3000).unref());
    void Promise.race([running.close(), deadline]).finally(() => process.exit(0));
  });
  send({ type: 'ready', port: running.port });
}

main().catch((error: unknown) => {
  send({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
});
