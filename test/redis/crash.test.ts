/**
 * Durability: an orchestrator process killed with SIGKILL in the middle of 1,000 jobs and started again
 * loses nothing. Every job ends, no result is applied twice, and a task is delivered again only after
 * its lease (the blueprint's 3 s timeout) ran out. Redis runs with AOF. Also `npm run test:crash`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '../support/redis.js';
import { hasTool } from '../support/tools.js';
import { asClient, asWorker, startOrchestrator, waitFor, type Orchestrator, type Reply } from './processes.js';

const JOBS = 1000;
const WORKERS = 8;
const LEASE_MS = 3000;

interface HistoryEvent {
  event_type: string;
  timestamp: string;
  task_id?: string;
  status?: string;
}

describe.skipIf(!hasTool('redis-server'))('orchestrator killed with SIGKILL mid-run', () => {
  let redis: RedisServer;
  let victim: Orchestrator;
  let survivor: Orchestrator;
  beforeAll(async () => {
    redis = await startRedisServer({ aof: true });
    [victim, survivor] = await Promise.all([startOrchestrator(redis.url), startOrchestrator(redis.url)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([victim?.kill('SIGKILL'), survivor?.kill('SIGKILL')]);
    await redis?.stop();
  });

  it(`loses nothing of ${JOBS} jobs and applies no result twice`, async () => {
    // Which URL each side uses now; the victim's entry changes when it is started again.
    const urls = { victim: victim.url, survivor: survivor.url };
    const pick = (n: number): string => (n % 2 === 0 ? urls.victim : urls.survivor);
    /** A request that fails (connection refused or cut, 5xx) is tried again, as clients and workers do. */
    const retrying = async (n: number, call: (url: string) => Promise<Reply>): Promise<Reply> => {
      for (let tries = 0; ; tries++) {
        try {
          const reply = await call(pick(n + tries));
          if (reply.status < 500) return reply;
        } catch {
          // the process is down: try again (the other one, or the restarted one)
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };

    let finishedResults = 0;
    let stop = false;
    const worker = async (w: number): Promise<void> => {
      const id = `crash-w${w}`;
      await retrying(w, (url) => asWorker(url, 'POST', '/_worker/workers/register', { worker_id: id, supported_tasks: ['work'] }));
      while (!stop) {
        let task: { job_id: string; task_id: string } | undefined;
        try {
          const reply = await asWorker(pick(w), 'GET', `/_worker/workers/${id}/tasks/next?timeout=1`);
          if (reply.status === 404) {
            await retrying(w, (url) => asWorker(url, 'POST', '/_worker/workers/register', { worker_id: id, supported_tasks: ['work'] }));
          }
          if (reply.status === 200) task = reply.body as typeof task;
        } catch {
          // The poll was cut by the kill: if a task was leased to it, its lease runs out and it comes back.
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        if (!task) continue;
        const body = { job_id: task.job_id, task_id: task.task_id, worker_id: id, result: { status: 'success', data: { by: id } } };
        const result = await retrying(w + 1, (url) => asWorker(url, 'POST', '/_worker/tasks/result', body));
        if (result.status === 200) finishedResults += 1;
      }
    };
    const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));

    // Jobs are created through both processes; a retried create carries the same Idempotency-Key.
    const jobIds: string[] = [];
    const creating = (async () => {
      for (let n = 0; n < JOBS; n++) {
        const reply = await retrying(n, async (url) => {
          const response = await fetch(`${url}/api/v1/jobs/single`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-client-token': 'redis-test-client-token-0123456789', 'idempotency-key': `crash-${n}` },
            body: JSON.stringify({ initial_data: { n } }),
          });
          return { status: response.status, body: (await response.json()) as unknown };
        });
        jobIds.push((reply.body as { job_id: string }).job_id);
      }
    })();

    await waitFor('a third of the results', async () => (finishedResults >= JOBS / 3 ? true : undefined), 60_000);
    await victim.kill('SIGKILL');
    victim = await startOrchestrator(redis.url);
    urls.victim = victim.url;

    await creating;
    expect(new Set(jobIds).size).toBe(JOBS);
    await waitFor(
      'every job to end',
      async () => {
        const dashboard = (await asClient(urls.survivor, 'GET', '/api/v1/dashboard')).body as { jobs: Record<string, number> };
        return (dashboard.jobs.finished ?? 0) >= JOBS ? dashboard : undefined;
      },
      90_000,
    );
    stop = true;
    await Promise.all(workers);

    const dashboard = (await asClient(urls.survivor, 'GET', '/api/v1/dashboard')).body as { jobs: Record<string, number> };
    expect(dashboard.jobs).toEqual({ finished: JOBS });

    let redelivered = 0;
    for (const jobId of jobIds) {
      const history = (await asClient(urls.survivor, 'GET', `/api/v1/jobs/${jobId}/history`)).body as HistoryEvent[];
      const results = history.filter((e) => e.event_type === 'task_result');
      // One result applied per task, and exactly one success per job.
      expect(new Set(results.map((e) => e.task_id)).size).toBe(results.length);
      expect(results.filter((e) => e.status === 'success')).toHaveLength(1);
      expect(history.filter((e) => e.event_type === 'job_finished')).toHaveLength(1);
      const leases = history.filter((e) => e.event_type === 'task_leased').map((e) => Date.parse(e.timestamp));
      for (let i = 1; i < leases.length; i++) {
        redelivered += 1;
        expect(leases[i]! - leases[i - 1]!).toBeGreaterThanOrEqual(LEASE_MS);
      }
    }
    console.info(`[redis] crash test: ${JOBS} jobs finished, ${redelivered} tasks delivered again after their lease ran out`);
  }, 180_000);
});
