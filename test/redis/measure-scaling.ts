/**
 * The figures of docs/scaling.md: single-task jobs per second with 1, 2 and 3 orchestrator processes on
 * one Redis (AOF off, as the bench runs), driven by the bench's load generator over real HTTP.
 *
 *   npx tsx test/redis/measure-scaling.ts [--duration 10] [--processes 1,2,3]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startRedisServer } from '../support/redis.js';
import { CLIENT_TOKEN, startOrchestrator, WORKER_TOKEN } from './processes.js';

const { values } = parseArgs({ options: { duration: { type: 'string', default: '10' }, processes: { type: 'string', default: '1,2,3' } } });
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

for (const count of values.processes.split(',').map(Number)) {
  const redis = await startRedisServer();
  const orchestrators = await Promise.all(
    Array.from({ length: count }, () => startOrchestrator(redis.url, { BLUEPRINTS_DIR: `${ROOT}bench/blueprints`, LOG_LEVEL: 'warn', WORKER_POLL_TIMEOUT: '30s' })),
  );
  const run = spawnSync(
    process.execPath,
    [
      '--import', 'tsx', 'bench/index.ts',
      '--url', orchestrators.map((o) => o.url).join(','),
      '--client-token', CLIENT_TOKEN,
      '--worker-token', WORKER_TOKEN,
      '--endpoint', '/api/v1/jobs/bench_single',
      '--task-type', 'echo',
      '--scenario', 'single-task',
      '--duration', values.duration,
      '--out', `/tmp/switchyard-scaling-${count}.json`,
    ],
    { cwd: ROOT, encoding: 'utf8', timeout: 600_000 },
  );
  process.stdout.write(`\n===== ${count} orchestrator process(es) on one Redis =====\n${run.stdout}${run.stderr}`);
  await Promise.all(orchestrators.map((o) => o.kill('SIGTERM')));
  await redis.stop();
}
