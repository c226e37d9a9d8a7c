/**
 * Crash loop on the Redis store: the only orchestrator is killed with SIGKILL at random moments, again
 * and again, while jobs of many transition kinds (task, set, wait timer, parallel branches, child job)
 * run, and started again each time. Nothing may be lost, stuck or applied twice: every job finishes,
 * every state is entered exactly once, every task result is applied once. The random kill times come
 * from a seeded generator (FUZZ_SEED), printed with the run. One kill at one moment with 1,000 jobs
 * over two processes: test/redis/crash.test.ts.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '../support/redis.js';
import { hasTool } from '../support/tools.js';
import { asClient, asWorker, startOrchestrator, waitFor, type Orchestrator, type Reply } from '../redis/processes.js';
import { FUZZ } from './fuzz-settings.js';

const BLUEPRINTS = fileURLToPath(new URL('./crash-blueprints', import.meta.url));
const JOBS = Number(process.env.CRASH_JOBS ?? 60);
const KILLS = Number(process.env.CRASH_KILLS ?? 6);
const WORKERS = 4;

/** mulberry32: a small seeded generator, so a failing run can be repeated with its seed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface HistoryEvent {
  event_type: string;
  state: string | null;
  task_id?: string;
}

describe.skipIf(!hasTool('redis-server'))('orchestrator killed at random moments, again and again (Redis)', () => {
  let redis: RedisServer;
  let orchestrator: Orchestrator | undefined;
  const env = { BLUEPRINTS_DIR: BLUEPRINTS, WORKER_TTL: '3s' };

  beforeAll(async () => {
    redis = await startRedisServer({ aof: true });
    orchestrator = await startOrchestrator(redis.url, env);
  }, 60_000);
  afterAll(async () => {
    await orchestrator?.kill('SIGKILL');
    await redis?.stop();
  });

  it(`finishes every job (at least ${JOBS}) through ${KILLS} kills, each state entered once, each result applied once`, async () => {
    const random = seeded(FUZZ.seed);
    let url = orchestrator!.url;
    let stop = false;
    /** Clients and workers try again when the process is down, as real ones do. */
    const retrying = async (call: (base: string) => Promise<Reply>): Promise<Reply> => {
      for (;;) {
        try {
          const reply = await call(url);
          if (reply.status < 500) return reply;
        } catch {
          // down: connection refused or cut
        }
        await new Promise((resolve) => setTimeout(resolve, 30));
      }
    };

    let applied = 0;
    const worker = async (w: number): Promise<void> => {
      const id = `loop-w${w}`;
      const register = () => retrying((base) => asWorker(base, 'POST', '/_worker/workers/register', { worker_id: id, supported_tasks: ['sec.crash'] }));
      await register();
      while (!stop) {
        let task: { job_id: string; task_id: string } | undefined;
        try {
          const reply = await asWorker(url, 'GET', `/_worker/workers/${id}/tasks/next?timeout=1`);
          if (reply.status === 404) await register();
          if (reply.status === 200) task = reply.body as typeof task;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 30));
        }
        if (!task) continue;
        const body = { job_id: task.job_id, task_id: task.task_id, worker_id: id, result: { status: 'success', data: {} } };
        const reply = await retrying((base) => asWorker(base, 'POST', '/_worker/tasks/result', body));
        if (reply.status === 200) applied += 1;
      }
    };
    const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));

    // Jobs keep coming until the last kill (at least JOBS of them), so every kill falls on work in flight.
    const jobIds: string[] = [];
    let killing = true;
    const creating = (async () => {
      for (let n = 0; n < JOBS || killing; n++) {
        await new Promise((resolve) => setTimeout(resolve, 40));
        const reply = await retrying(async (base) => {
          const response = await fetch(`${base}/api/v1/jobs/sec_steps`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-client-token': 'redis-test-client-token-0123456789', 'idempotency-key': `loop-${n}` },
            body: JSON.stringify({ initial_data: { n } }),
          });
          return { status: response.status, body: (await response.json()) as unknown };
        });
        jobIds.push((reply.body as { job_id: string }).job_id);
      }
    })();

    const killedAt: number[] = [];
    const appliedAtKill: number[] = [];
    const started = Date.now();
    for (let k = 0; k < KILLS; k++) {
      const delay = 150 + Math.floor(random() * 1500);
      await new Promise((resolve) => setTimeout(resolve, delay));
      killedAt.push(Date.now() - started);
      appliedAtKill.push(applied);
      await orchestrator!.kill('SIGKILL');
      orchestrator = await startOrchestrator(redis.url, env);
      url = orchestrator.url;
    }
    killing = false;
    await creating;
    const total = jobIds.length;
    expect(new Set(jobIds).size).toBe(total);

    const ended = await waitFor(
      'every job to end',
      async () => {
        const views = await Promise.all(jobIds.map(async (id) => (await asClient(url, 'GET', `/api/v1/jobs/${id}`)).body as { status: string }));
        return views.every((v) => ['finished', 'failed', 'cancelled', 'quarantined'].includes(v.status)) ? views : undefined;
      },
      120_000,
    );
    stop = true;
    await Promise.all(workers);
    expect(ended.map((v) => v.status)).toEqual(Array(total).fill('finished'));

    for (const jobId of jobIds) {
      const history = (await asClient(url, 'GET', `/api/v1/jobs/${jobId}/history`)).body as HistoryEvent[];
      const entered = history.filter((e) => e.event_type === 'state_entered').map((e) => e.state);
      expect(entered, jobId).toEqual(['first', 'count', 'pause', 'both', 'child', 'done']);
      const results = history.filter((e) => e.event_type === 'task_result').map((e) => e.task_id);
      expect(new Set(results).size, jobId).toBe(results.length);
      expect(results.length, jobId).toBeGreaterThanOrEqual(3);
      expect(history.filter((e) => e.event_type === 'job_finished'), jobId).toHaveLength(1);
    }
    // The kills fell while work was going on, not before or after it.
    expect(appliedAtKill.filter((n) => n > 0 && n < total * 4).length).toBe(KILLS);
    console.info(`[crash-loop] seed ${FUZZ.seed}: ${total} jobs (${total * 2} with children) finished through ${KILLS} SIGKILLs at ${killedAt.join(', ')} ms (results applied by then: ${appliedAtKill.join(', ')}); ${applied} results accepted`);
  }, 240_000);
});
