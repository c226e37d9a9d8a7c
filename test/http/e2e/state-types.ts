/** Every state type, driven over HTTP with real workers. */
import { describe, expect, it } from 'vitest';
import type { HistoryEventView } from '../../../src/engine/api.js';
import { HttpWorker } from '../../support/http-worker.js';
import { eventTypes, useServer, type SuiteOptions } from './harness.js';

export function stateTypeTests(suite: SuiteOptions): void {
  describe('state types', () => {
    const server = useServer(suite, { env: { MAX_TRANSITIONS: '60' } });

    it('runs a task: the worker gets its params, the data becomes the result, the history is in order', async () => {
      const s = server();
      const worker = new HttpWorker(s, 'echo-worker', ['e2e.echo']);
      expect((await worker.register()).body).toEqual({ status: 'registered' });
      const jobId = await s.createJob('echo', { message: 'hi' });
      const task = await worker.take();
      expect(task).toMatchObject({ job_id: jobId, type: 'e2e.echo', params: { message: 'hi' }, attempt: 1, priority: 0 });
      const running = await s.getJob(jobId);
      expect(running).toMatchObject({ status: 'waiting_for_worker', current_state: 'say', current_task: { task_id: task.task_id, worker_id: 'echo-worker', attempt: 1 } });
      expect((await worker.succeed(task, { reply: 'hello' })).body).toEqual({ status: 'result_accepted_success' });
      const job = await s.waitForJob(jobId);
      expect(job).toMatchObject({ id: jobId, blueprint_name: 'echo', blueprint_version: 1, status: 'finished', result: { reply: 'hello' }, initial_data: { message: 'hi' } });
      expect(job.finished_at).not.toBeNull();
      const history = (await s.client.get<HistoryEventView[]>(`/api/v1/jobs/${jobId}/history`)).body;
      expect(eventTypes(history)).toEqual(expect.arrayContaining(['job_created', 'task_queued', 'task_leased', 'task_result', 'job_finished']));
      expect(eventTypes(history)[0]).toBe('job_created');
      expect(eventTypes(history).at(-1)).toBe('job_finished');
      const times = history.map((event) => Date.parse(event.timestamp));
      expect([...times].sort((a, b) => a - b)).toEqual(times);
      expect(history.every((event) => event.job_id === jobId)).toBe(true);
    });

    it('runs set, choice, wait and end without a worker', async () => {
      const s = server();
      const small = await s.waitForJob(await s.createJob('flow', { n: 2 }));
      expect(small).toMatchObject({ status: 'finished', result: { size: 'small', doubled: 4 } });
      const history = (await s.client.get<HistoryEventView[]>(`/api/v1/jobs/${small.id}/history`)).body;
      expect(history.filter((event) => event.event_type === 'state_entered').map((event) => event.state)).toEqual(['remember', 'decide', 'pause', 'small']);
      const big = await s.waitForJob(await s.createJob('flow', { n: 6 }));
      expect(big).toMatchObject({ status: 'failed', error_message: expect.stringContaining('too big') });
    });

    it('reports a wait state as status waiting', async () => {
      const s = server();
      const jobId = await s.createJob('flow', { n: 1 });
      const seen = await s.waitForJob(jobId, (job) => job.status === 'waiting' || job.status === 'finished');
      expect(seen.status).toBe('waiting');
      expect((await s.waitForJob(jobId)).status).toBe('finished');
    });

    it('fans out one task per item and keeps the results in item order', async () => {
      const s = server();
      const worker = new HttpWorker(s, 'square-worker', ['e2e.square']);
      await worker.register();
      const jobId = await s.createJob('fanout', { items: [3, 1, 2] });
      const tasks = [await worker.take(), await worker.take(), await worker.take()];
      expect(tasks.map((task) => task.params.n).sort()).toEqual([1, 2, 3]);
      expect((await s.getJob(jobId)).status).toBe('waiting_for_parallel');
      for (const task of [...tasks].reverse()) {
        const n = task.params.n as number;
        expect((await worker.succeed(task, { square: n * n })).body.status).toMatch(/^(parallel_branch_result_accepted|result_accepted_success)$/);
      }
      const job = await s.waitForJob(jobId);
      expect(job.status).toBe('finished');
      expect((job.result as Array<{ data: { square: number } }>).map((entry) => entry.data.square)).toEqual([9, 1, 4]);
    });

    it('runs static parallel branches of different task types', async () => {
      const s = server();
      const left = new HttpWorker(s, 'left-worker', ['e2e.left']);
      const right = new HttpWorker(s, 'right-worker', ['e2e.right']);
      await left.register();
      await right.register();
      const jobId = await s.createJob('branches');
      const [l, r] = [await left.take(), await right.take()];
      expect((await right.succeed(r, { side: 'right' })).body.status).toBe('parallel_branch_result_accepted');
      await left.succeed(l, { side: 'left' });
      const job = await s.waitForJob(jobId);
      expect((job.result as Array<{ status: string; data: { side: string } }>).map((entry) => entry.data.side)).toEqual(['left', 'right']);
    });

    it('starts a child job and resumes the parent when the child ends', async () => {
      const s = server();
      const worker = new HttpWorker(s, 'child-worker', ['e2e.child']);
      await worker.register();
      const parentId = await s.createJob('parent', { value: 7 });
      const task = await worker.take();
      const parent = await s.getJob(parentId);
      expect(parent.status).toBe('waiting_for_child');
      expect(parent.child_job_ids).toHaveLength(1);
      const childId = parent.child_job_ids[0]!;
      expect(task).toMatchObject({ job_id: childId, params: { value: 7 } });
      expect(await s.getJob(childId)).toMatchObject({ blueprint_name: 'child', parent_job_id: parentId });
      await worker.succeed(task, { doubled: 14 });
      expect((await s.waitForJob(childId)).status).toBe('finished');
      expect(await s.waitForJob(parentId)).toMatchObject({ status: 'finished' });
    });

    it('routes a failed child to the parent transition for failed', async () => {
      const s = server();
      const worker = new HttpWorker(s, 'child-worker-2', ['e2e.child']);
      await worker.register();
      const parentId = await s.createJob('parent', { value: 1 });
      await worker.fail(await worker.take(), 'INVALID_INPUT_ERROR');
      expect(await s.waitForJob(parentId)).toMatchObject({ status: 'failed', error_message: expect.stringContaining('the child failed') });
    });

    it('does not serve a child-only blueprint over the API', async () => {
      const s = server();
      expect((await s.client.post('/api/v1/jobs/child', {})).status).toBe(404);
    });

    it('fails a job that makes more than MAX_TRANSITIONS state entries', async () => {
      const s = server();
      const job = await s.waitForJob(await s.createJob('loop'));
      expect(job.status).toBe('failed');
      expect(job.error_message).toMatch(/60|MAX_TRANSITIONS|transitions/);
    });
  });
}
