/**
 * One orchestrator process for the multi-process Redis tests: the real startSwitchyard with the
 * configuration from the environment (REDIS_URL selects the Redis store). Prints one JSON line
 * `{"url": ...}` when listening; SIGTERM closes it gracefully.
 *
 *   node --import tsx test/redis/orchestrator-process.ts
 */
import { loadConfig } from '../../src/config.js';
import { startSwitchyard } from '../../src/main.js';

const running = await startSwitchyard(loadConfig(process.env));
process.stdout.write(`${JSON.stringify({ url: running.url, pid: process.pid })}\n`);
process.on('SIGTERM', () => {
  void running.close().then(() => process.exit(0));
});
