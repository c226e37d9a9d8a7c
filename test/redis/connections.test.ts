/**
 * Waiting long-polls hold no Redis connection: 2,000 polls waiting on one orchestrator process use the
 * same small, fixed set of connections as an idle process (one command and one subscriber connection),
 * counted with CLIENT LIST on the Redis side.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from 'undici';
import { Redis } from 'ioredis';
import { startRedisServer, type RedisServer } from '../support/redis.js';
import { hasTool } from '../support/tools.js';
import { asClient, asWorker, startOrchestrator, waitFor, WORKER_TOKEN, type Orchestrator } from './processes.js';

const POLLS = 2000;
const WORKERS = 20;

describe.skipIf(!hasTool('redis-server'))('redis connections', () => {
  let redis: RedisServer;
  let orchestrator: Orchestrator;
  let admin: Redis;
  beforeAll(async () => {
    redis = await startRedisServer();
    orchestrator = await startOrchestrator(redis.url, { MAX_POLLS_PER_WORKER: String(POLLS / WORKERS) });
    admin = new Redis(redis.url, { connectionName: 'test-admin' });
  });
  afterAll(async () => {
    admin?.disconnect();
    await orchestrator?.kill('SIGKILL');
    await redis?.stop();
  });

  const orchestratorConnections = async (): Promise<string[]> =>
    (await admin.client('LIST') as string)
      .split('\n')
      .filter((line) => line.includes(' name=') && !line.includes('name=test-admin'))
      .map((line) => /name=(\S*)/.exec(line)?.[1] ?? '');

  const waitingPolls = async (): Promise<number> => {
    const text = (await asClient(orchestrator.url, 'GET', '/_public/metrics')).body as string;
    const line = text.split('\n').find((l) => /^switchyard_long_polls_waiting\b/.test(l));
    return line ? Number(line.split(' ').at(-1)) : 0;
  };

  it(`holds ${POLLS} waiting long-polls on two Redis connections`, async () => {
    const idle = await orchestratorConnections();
    expect(idle.sort()).toEqual(['switchyard-command', 'switchyard-subscriber']);

    for (let w = 0; w < WORKERS; w++) {
      await asWorker(orchestrator.url, 'POST', '/_worker/workers/register', { worker_id: `conn-w${w}`, supported_tasks: ['work'] });
    }
    const agent = new Agent({ connections: POLLS + 10 });
    // One controller per poll: a signal shared by 2,000 requests trips Node's listener-leak warning.
    const aborts = Array.from({ length: POLLS }, () => new AbortController());
    // Each poll asks again when it times out empty, so all of them are waiting at once even on a slow machine.
    const pollUntilAborted = async (i: number): Promise<number> => {
      for (;;) {
        try {
          const response = await fetch(`${orchestrator.url}/_worker/workers/conn-w${i % WORKERS}/tasks/next?timeout=60`, {
            headers: { 'x-worker-token': WORKER_TOKEN },
            signal: aborts[i]!.signal,
            // @ts-expect-error undici's dispatcher option is not in the DOM fetch types
            dispatcher: agent,
          });
          await response.text();
          if (response.status !== 204) return response.status;
        } catch {
          return 0;
        }
      }
    };
    const polls = Array.from({ length: POLLS }, (_, i) => pollUntilAborted(i));
    try {
      await waitFor(`${POLLS} polls waiting`, async () => ((await waitingPolls()) >= POLLS ? true : undefined), 150_000);
      const busy = await orchestratorConnections();
      expect(busy.sort()).toEqual(['switchyard-command', 'switchyard-subscriber']);

      // The polls are live: one queued task is handed to exactly one of them.
      const created = await asClient(orchestrator.url, 'POST', '/api/v1/jobs/single', { initial_data: { n: 1 } });
      expect(created.status).toBe(202);
      await waitFor('one poll answered', async () => ((await waitingPolls()) === POLLS - 1 ? true : undefined), 10_000);
    } finally {
      for (const abort of aborts) abort.abort();
      const settled = await Promise.all(polls);
      expect(settled.filter((status) => status === 200)).toHaveLength(1);
      await agent.close();
    }
  }, 240_000);
});
