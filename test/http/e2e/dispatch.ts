/** Which worker gets which task: priorities, resource matching, concurrency limits, expiry and re-queue. */
import { describe, expect, it } from 'vitest';
import type { WorkerView } from '../../../src/engine/api.js';
import { HttpWorker } from '../../support/http-worker.js';
import { eventually } from '../../support/server.js';
import { sleep, useServer, type SuiteOptions } from './harness.js';

export function dispatchTests(suite: SuiteOptions): void {
  describe('dispatch', () => {
    const server = useServer(suite);

    it('hands out the highest priority first, first-in first-out within a priority', async () => {
      const s = server();
      await s.createJob('priority', { label: 'a' });
      await s.createJob('priority', { label: 'b' });
      await s.createJob('priority', { label: 'c', urgent: true });
      await s.createJob('priority', { label: 'd' });
      const worker = new HttpWorker(s, 'ranker', ['e2e.rank']);
      await worker.register();
      const labels: unknown[] = [];
      for (let i = 0; i < 4; i += 1) {
        const task = await worker.take();
        labels.push(task.params.label);
        expect(task.priority).toBe(task.params.label === 'c' ? 9 : 1);
        await worker.succeed(task);
      }
      expect(labels).toEqual(['c', 'a', 'b', 'd']);
    });

    it('gives a task with requires only to a worker whose resources fit', async () => {
      const s = server();
      const cpu = new HttpWorker(s, 'cpu-only', ['e2e.render'], { resources: { cpu_cores: 32 } });
      const small = new HttpWorker(s, 'small-gpu', ['e2e.render'], { resources: { gpu: { model: 'NVIDIA A100-PCIE-20GB', vram_gb: 20 } } });
      // Avtomatika's form: resources.gpu_info.
      const big = new HttpWorker(s, 'big-gpu', ['e2e.render'], { resources: { gpu_info: { model: 'NVIDIA A100-SXM4-80GB', vram_gb: 80 } } });
      await cpu.register();
      await small.register();
      await big.register();
      const jobId = await s.createJob('gpu');
      expect(await cpu.poll(0.3)).toBeNull();
      expect(await small.poll(0.3)).toBeNull();
      const task = await big.take();
      expect(task.job_id).toBe(jobId);
      await big.succeed(task);
      expect((await s.waitForJob(jobId)).status).toBe('finished');
    });

    it('runs many jobs through one serving worker, each task to exactly one result', async () => {
      const s = server();
      const worker = new HttpWorker(s, 'server-loop', ['e2e.echo']);
      const seen: string[] = [];
      worker.serve((task) => {
        seen.push(task.task_id);
        return { data: { echoed: task.params.message } };
      });
      try {
        const ids = await Promise.all(Array.from({ length: 10 }, (_, i) => s.createJob('echo', { message: `m${i}` })));
        const jobs = await Promise.all(ids.map((id) => s.waitForJob(id)));
        expect(jobs.map((job) => job.result)).toEqual(ids.map((_, i) => ({ echoed: `m${i}` })));
        expect(new Set(seen).size).toBe(seen.length);
      } finally {
        await worker.stop();
      }
    });

    it('answers 204 at once to a worker that holds max_concurrent_tasks tasks', async () => {
      const s = server();
      const worker = new HttpWorker(s, 'single-slot', ['e2e.echo'], { max_concurrent_tasks: 1 });
      await worker.register();
      await s.createJob('echo');
      await s.createJob('echo');
      const first = await worker.take();
      const started = Date.now();
      expect(await worker.poll(2)).toBeNull();
      expect(Date.now() - started).toBeLessThan(1000);
      await worker.succeed(first);
      const second = await worker.take();
      await worker.succeed(second);
    });

    it('answers a long-poll with 204 after its timeout', async () => {
      const s = server();
      const worker = new HttpWorker(s, 'idle-poller', ['e2e.never']);
      await worker.register();
      const started = Date.now();
      expect(await worker.poll(0.3)).toBeNull();
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    });

    it('wakes a waiting long-poll the moment a task is queued', async () => {
      const s = server();
      const worker = new HttpWorker(s, 'waiting-poller', ['e2e.echo']);
      await worker.register();
      const poll = worker.poll(2);
      await sleep(100);
      const started = Date.now();
      const jobId = await s.createJob('echo');
      const task = await poll;
      expect(task?.job_id).toBe(jobId);
      expect(Date.now() - started).toBeLessThan(500);
      await worker.succeed(task!);
    });

    it('refreshes the TTL with an empty heartbeat and updates the worker with a JSON one', async () => {
      const s = server();
      const worker = new HttpWorker(s, 'beating', ['e2e.echo']);
      await worker.register();
      expect((await worker.heartbeat()).body).toEqual({ status: 'ttl_refreshed', cancelled_tasks: [] });
      const updated = await worker.heartbeat({ status: 'busy', load: 0.5 });
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({ worker_id: 'beating', cancelled_tasks: [] });
      expect((await new HttpWorker(s, 'never-registered', ['x']).heartbeat()).status).toBe(404);
    });

    it('re-registers a forgotten worker from a heartbeat that carries supported_tasks', async () => {
      const s = server();
      const worker = new HttpWorker(s, 'forgotten', ['e2e.echo']);
      const reply = await worker.heartbeat({ supported_tasks: ['e2e.echo'], load: 0 });
      expect(reply.status).toBe(200);
      const workers = (await s.client.get<WorkerView[]>('/api/v1/workers')).body;
      expect(workers.map((w) => w.worker_id)).toContain('forgotten');
    });

    it('lists workers with their registration and never a token', async () => {
      const s = server();
      const worker = new HttpWorker(s, 'listed', ['e2e.echo'], { hostname: 'box-1', resources: { cpu_cores: 4 } });
      await worker.register();
      const reply = await s.client.get<WorkerView[]>('/api/v1/workers');
      const listed = reply.body.find((w) => w.worker_id === 'listed');
      expect(listed).toMatchObject({ supported_tasks: ['e2e.echo'], hostname: 'box-1', status: 'idle', current_tasks: [] });
      expect(listed?.last_heartbeat).toEqual(expect.any(String));
      expect(JSON.stringify(reply.body)).not.toContain(s.workerToken);
    });
  });

  describe('worker expiry', () => {
    const server = useServer(suite, { env: { WORKER_TTL: '600ms' } });

    it('drops a worker that stops heartbeating and re-queues its task as a new attempt', async () => {
      const s = server();
      const dying = new HttpWorker(s, 'dying', ['e2e.echo']);
      await dying.register();
      const jobId = await s.createJob('echo');
      const first = await dying.take();
      const survivor = new HttpWorker(s, 'survivor', ['e2e.echo']);
      await survivor.register();
      const beat = setInterval(() => void survivor.heartbeat(), 150);
      try {
        const second = await survivor.take(5000);
        expect(second).toMatchObject({ job_id: jobId, attempt: 2 });
        expect(second.task_id).not.toBe(first.task_id);
        await eventually('dying to leave the list', async () => {
          const workers = (await s.client.get<WorkerView[]>('/api/v1/workers')).body;
          return workers.some((w) => w.worker_id === 'dying') ? undefined : true;
        });
        await survivor.succeed(second);
        expect((await s.waitForJob(jobId)).status).toBe('finished');
      } finally {
        clearInterval(beat);
      }
    });
  });
}
