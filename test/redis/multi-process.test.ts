/**
 * Three orchestrator processes on one Redis, as behind a load balancer: work queued on one process
 * wakes a poll held by another at once, a cancel on one reaches the WebSocket held by another, and
 * 200 branch results posted concurrently through all three are all kept.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startRedisServer, type RedisServer } from '../support/redis.js';
import { hasTool } from '../support/tools.js';
import { asClient, asWorker, startOrchestrator, waitFor, WORKER_TOKEN, type Orchestrator } from './processes.js';

interface TaskBody {
  job_id: string;
  task_id: string;
  params: Record<string, unknown>;
}

interface JobBody {
  status: string;
  state_history: Record<string, unknown>;
}

describe.skipIf(!hasTool('redis-server'))('several orchestrator processes on one Redis', () => {
  let redis: RedisServer;
  let a: Orchestrator;
  let b: Orchestrator;
  let c: Orchestrator;
  beforeAll(async () => {
    redis = await startRedisServer();
    [a, b, c] = await Promise.all([startOrchestrator(redis.url), startOrchestrator(redis.url), startOrchestrator(redis.url)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a, b, c].map((o) => o?.kill('SIGTERM')));
    await redis?.stop();
  });

  const register = async (on: Orchestrator, workerId: string, types: string[]): Promise<void> => {
    const reply = await asWorker(on.url, 'POST', '/_worker/workers/register', { worker_id: workerId, supported_tasks: types });
    expect(reply.status).toBe(200);
  };
  const createJob = async (on: Orchestrator, endpoint: string, initialData: Record<string, unknown>): Promise<string> => {
    const reply = await asClient(on.url, 'POST', `/api/v1/jobs/${endpoint}`, { initial_data: initialData });
    expect(reply.status).toBe(202);
    return (reply.body as { job_id: string }).job_id;
  };
  const job = async (on: Orchestrator, jobId: string): Promise<JobBody> => (await asClient(on.url, 'GET', `/api/v1/jobs/${jobId}`)).body as JobBody;

  it('wakes a long-poll held by one process at once when another process queues a task', async () => {
    await register(b, 'wake-w', ['work']);
    const started = Date.now();
    const poll = asWorker(b.url, 'GET', '/_worker/workers/wake-w/tasks/next?timeout=10');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const queuedAt = Date.now();
    const jobId = await createJob(a, 'single', { n: 1 });
    const reply = await poll;
    const wokenAfter = Date.now() - queuedAt;
    expect(reply.status).toBe(200);
    expect((reply.body as TaskBody).job_id).toBe(jobId);
    // The poll would otherwise wait its full 10 s; well under that shows the wake-up (with room for a busy CI machine).
    expect(Date.now() - started).toBeLessThan(5000);
    expect(wokenAfter).toBeLessThan(2000);

    // The result goes through the third process; the first one sees the job finished.
    const task = reply.body as TaskBody;
    const result = await asWorker(c.url, 'POST', '/_worker/tasks/result', { job_id: jobId, task_id: task.task_id, worker_id: 'wake-w', result: { status: 'success', data: { done: true } } });
    expect(result.body).toEqual({ status: 'result_accepted_success' });
    expect(await job(a, jobId)).toMatchObject({ status: 'finished', state_history: { done: true } });
  });

  it('delivers a cancel made on one process to the WebSocket a worker holds on another', async () => {
    await register(b, 'ws-w', ['work']);
    const socket = new WebSocket(`${b.url.replace('http', 'ws')}/_worker/ws/ws-w`, { headers: { 'x-worker-token': WORKER_TOKEN } });
    const messages: unknown[] = [];
    socket.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString('utf8'))));
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    try {
      const jobId = await createJob(c, 'single', { n: 2 });
      const claimed = await asWorker(b.url, 'GET', '/_worker/workers/ws-w/tasks/next?timeout=5');
      expect(claimed.status).toBe(200);
      const taskId = (claimed.body as TaskBody).task_id;
      const cancel = await asClient(a.url, 'POST', `/api/v1/jobs/${jobId}/cancel`);
      expect(cancel.status).toBe(200);
      const message = await waitFor('the cancel_task message', async () => messages.find((m) => (m as { command?: string }).command === 'cancel_task'), 5000);
      expect(message).toEqual({ command: 'cancel_task', job_id: jobId, task_id: taskId });
      expect((await job(b, jobId)).status).toBe('cancelled');
    } finally {
      socket.close();
    }
  });

  it('keeps all of 200 branch results posted concurrently through three processes', async () => {
    const processes = [a, b, c];
    const items = Array.from({ length: 200 }, (_, i) => i);
    const jobId = await createJob(a, 'fanout', { items });
    for (const [i, on] of processes.entries()) await register(on, `fan-w${i}`, ['branch']);

    // Each worker claims from its own process until all 200 branches are out.
    const claimed: { worker: string; task: TaskBody }[] = [];
    await Promise.all(
      processes.map(async (on, i) => {
        for (;;) {
          if (claimed.length >= items.length) return;
          const reply = await asWorker(on.url, 'GET', `/_worker/workers/fan-w${i}/tasks/next?timeout=1`);
          if (reply.status !== 200) return;
          claimed.push({ worker: `fan-w${i}`, task: reply.body as TaskBody });
        }
      }),
    );
    expect(new Set(claimed.map((c) => c.task.task_id)).size).toBe(200);

    // All results at once, spread over the three processes. A 503 (the engine gave up after many
    // compare-and-set conflicts on this one job) is retried, as a worker does; nothing is applied twice.
    const post = async ({ worker, task }: { worker: string; task: TaskBody }, n: number) => {
      for (let tries = 0; ; tries++) {
        const reply = await asWorker(processes[(n + tries) % 3]!.url, 'POST', '/_worker/tasks/result', {
          job_id: task.job_id,
          task_id: task.task_id,
          worker_id: worker,
          result: { status: 'success', data: { item: task.params.item } },
        });
        if (reply.status !== 503 || tries >= 20) return reply;
      }
    };
    const replies = await Promise.all(claimed.map(post));
    expect(replies.filter((r) => r.status !== 200).map((r) => r.body)).toEqual([]);
    const done = await waitFor('the fan-out job to finish', async () => {
      const view = await job(c, jobId);
      return view.status === 'finished' ? view : undefined;
    });
    const results = done.state_history.results as { status: string; data: { item: number } }[];
    expect(results).toHaveLength(200);
    expect(results.map((r) => r.data.item)).toEqual(items);
  }, 120_000);
});
