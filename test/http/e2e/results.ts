/** Task results: error codes, retries with attempt numbers, timeouts, lease protection, stale and repeated results. */
import { describe, expect, it } from 'vitest';
import type { HistoryEventView } from '../../../src/engine/api.js';
import { HttpWorker } from '../../support/http-worker.js';
import { eventTypes, sleep, useServer, type SuiteOptions } from './harness.js';

export function resultTests(suite: SuiteOptions): void {
  describe('results and error codes', () => {
    const server = useServer(suite);

    it('retries TRANSIENT_ERROR with growing attempt numbers, then finishes', async () => {
      const s = server();
      const worker = new HttpWorker(s, 'flaky-worker', ['e2e.flaky']);
      await worker.register();
      const jobId = await s.createJob('retry');
      const first = await worker.take();
      expect(first.attempt).toBe(1);
      expect((await worker.fail(first, 'TRANSIENT_ERROR')).body).toEqual({ status: 'result_accepted_failure' });
      const second = await worker.take();
      expect(second.attempt).toBe(2);
      expect(second.task_id).not.toBe(first.task_id);
      await worker.fail(second, 'TRANSIENT_ERROR');
      const third = await worker.take();
      expect(third.attempt).toBe(3);
      await worker.succeed(third, { ok: true });
      expect(await s.waitForJob(jobId)).toMatchObject({ status: 'finished', result: { ok: true } });
      const history = (await s.client.get<HistoryEventView[]>(`/api/v1/jobs/${jobId}/history`)).body;
      expect(eventTypes(history).filter((type) => type === 'task_retry')).toHaveLength(2);
    });

    it('treats a failure without a code as TRANSIENT_ERROR (retried)', async () => {
      const s = server();
      const worker = new HttpWorker(s, 'flaky-worker-2', ['e2e.flaky']);
      await worker.register();
      const jobId = await s.createJob('retry');
      const first = await worker.take();
      await worker.result(first, { status: 'failure', error: { message: 'no code' } });
      const second = await worker.take();
      expect(second).toMatchObject({ job_id: jobId, attempt: 2 });
      await worker.succeed(second);
      expect((await s.waitForJob(jobId)).status).toBe('finished');
    });

    it('quarantines a job whose transient failures use up the attempts and whose state has no failure transition', async () => {
      const s = server();
      const worker = new HttpWorker(s, 'unrouted-worker', ['e2e.unrouted']);
      await worker.register();
      const jobId = await s.createJob('outcomes', { kind: 'unrouted' });
      await worker.fail(await worker.take(), 'TRANSIENT_ERROR');
      const last = await worker.take();
      expect(last.attempt).toBe(2);
      await worker.fail(last, 'TRANSIENT_ERROR');
      expect(await s.waitForJob(jobId)).toMatchObject({ status: 'quarantined', error: { code: 'TRANSIENT_ERROR' } });
    });

    it('quarantines on PERMANENT_ERROR without a failure transition', async () => {
      const s = server();
      const worker = new HttpWorker(s, 'unrouted-worker-2', ['e2e.unrouted']);
      await worker.register();
      const jobId = await s.createJob('outcomes', { kind: 'unrouted' });
      await worker.fail(await worker.take(), 'PERMANENT_ERROR', 'disk is gone');
      expect(await s.waitForJob(jobId)).toMatchObject({ status: 'quarantined', error: { code: 'PERMANENT_ERROR', message: expect.stringContaining('disk is gone') } });
    });

    it('routes PERMANENT_ERROR to transitions.failure when the state has one', async () => {
      const s = server();
      const worker = new HttpWorker(s, 'routed-worker', ['e2e.routed']);
      await worker.register();
      const jobId = await s.createJob('outcomes', { kind: 'routed' });
      await worker.fail(await worker.take(), 'PERMANENT_ERROR');
      expect(await s.waitForJob(jobId)).toMatchObject({ status: 'failed', error_message: expect.stringContaining('routed to failure') });
    });

    it('fails the job at once on INVALID_INPUT_ERROR', async () => {
      const s = server();
      const worker = new HttpWorker(s, 'routed-worker-2', ['e2e.routed']);
      await worker.register();
      const jobId = await s.createJob('outcomes', { kind: 'routed' });
      const task = await worker.take();
      await worker.fail(task, 'INVALID_INPUT_ERROR', 'bad url');
      const job = await s.waitForJob(jobId);
      expect(job).toMatchObject({ status: 'failed', error: { code: 'INVALID_INPUT_ERROR' } });
    });

    it('routes a custom result status by its transition', async () => {
      const s = server();
      const worker = new HttpWorker(s, 'routed-worker-3', ['e2e.routed']);
      await worker.register();
      const jobId = await s.createJob('outcomes', { kind: 'routed' });
      await worker.result(await worker.take(), { status: 'needs_review', data: { why: 'blurry' } });
      expect(await s.waitForJob(jobId)).toMatchObject({ status: 'finished', result: 'reviewed' });
    });

    it('fails the job on a status that the state does not map, naming it', async () => {
      const s = server();
      const worker = new HttpWorker(s, 'routed-worker-4', ['e2e.routed']);
      await worker.register();
      const jobId = await s.createJob('outcomes', { kind: 'routed' });
      await worker.result(await worker.take(), { status: 'sideways' });
      const job = await s.waitForJob(jobId);
      expect(job.status).toBe('failed');
      expect(job.error_message).toContain('sideways');
    });

    it('accepts the flat result form', async () => {
      const s = server();
      const worker = new HttpWorker(s, 'flat-worker', ['e2e.echo']);
      await worker.register();
      const jobId = await s.createJob('echo', { message: 'flat' });
      const reply = await worker.result(await worker.take(), { status: 'success', data: { flat: true } }, { flat: true });
      expect(reply.body).toEqual({ status: 'result_accepted_success' });
      expect(await s.waitForJob(jobId)).toMatchObject({ status: 'finished', result: { flat: true } });
    });
  });

  describe('leases', () => {
    const server = useServer(suite);

    it('answers 403 to a result from a worker that does not hold the task, and changes nothing', async () => {
      const s = server();
      const holder = new HttpWorker(s, 'holder', ['e2e.echo']);
      const other = new HttpWorker(s, 'intruder', ['e2e.echo']);
      await holder.register();
      await other.register();
      const jobId = await s.createJob('echo');
      const task = await holder.take();
      const reply = await other.succeed(task, { stolen: true });
      expect(reply.status).toBe(403);
      expect((await s.getJob(jobId)).status).toBe('waiting_for_worker');
      await holder.succeed(task, { mine: true });
      expect(await s.waitForJob(jobId)).toMatchObject({ status: 'finished', result: { mine: true } });
    });

    it('answers 409 to a result for an unknown task id', async () => {
      const s = server();
      const worker = new HttpWorker(s, 'unknown-task-worker', ['e2e.echo']);
      await worker.register();
      const jobId = await s.createJob('echo');
      const task = await worker.take();
      const reply = await worker.succeed({ ...task, task_id: 'no-such-task' });
      expect(reply.status).toBe(409);
      await worker.succeed(task);
      expect(reply.body).toMatchObject({ code: expect.any(String) });
      expect((await s.waitForJob(jobId)).status).toBe('finished');
    });

    it('answers 200 to a repeated result and applies it once', async () => {
      const s = server();
      const worker = new HttpWorker(s, 'repeat-worker', ['e2e.echo']);
      await worker.register();
      const jobId = await s.createJob('echo');
      const task = await worker.take();
      expect((await worker.succeed(task, { n: 1 })).status).toBe(200);
      expect((await worker.succeed(task, { n: 1 })).status).toBe(200);
      await s.waitForJob(jobId);
      const history = (await s.client.get<HistoryEventView[]>(`/api/v1/jobs/${jobId}/history`)).body;
      expect(eventTypes(history).filter((type) => type === 'task_result')).toHaveLength(1);
    });

    it('re-queues a task whose worker went quiet past its timeout, and answers the late result with 409', async () => {
      const s = server();
      const quiet = new HttpWorker(s, 'quiet', ['e2e.slow']);
      const prompt = new HttpWorker(s, 'prompt', ['e2e.slow']);
      await quiet.register();
      const jobId = await s.createJob('timeouts', { kind: 'slow' });
      const first = await quiet.take();
      await prompt.register();
      const second = await prompt.take(5000);
      expect(second).toMatchObject({ job_id: jobId, attempt: 2 });
      const late = await quiet.succeed(first, { late: true });
      expect(late.status).toBe(409);
      await prompt.succeed(second, { onTime: true });
      expect(await s.waitForJob(jobId)).toMatchObject({ status: 'finished', result: { onTime: true } });
      const history = (await s.client.get<HistoryEventView[]>(`/api/v1/jobs/${jobId}/history`)).body;
      expect(history.find((event) => event.event_type === 'task_timeout')).toMatchObject({ code: 'TIMEOUT_ERROR' });
    });

    it('fails a task that nobody takes before its dispatch_timeout, by its failure transition', async () => {
      const s = server();
      const jobId = await s.createJob('timeouts', { kind: 'undelivered' });
      const job = await s.waitForJob(jobId, undefined, 5000);
      expect(job).toMatchObject({ status: 'failed', error_message: expect.stringContaining('nobody took the task') });
      const history = (await s.client.get<HistoryEventView[]>(`/api/v1/jobs/${jobId}/history`)).body;
      expect(history.find((event) => event.event_type === 'task_timeout')).toMatchObject({ code: 'DISPATCH_TIMEOUT' });
    });

    it('keeps a task queued while no worker is online', async () => {
      const s = server();
      const jobId = await s.createJob('queued');
      await sleep(200);
      expect(await s.getJob(jobId)).toMatchObject({ status: 'waiting_for_worker', current_task: { worker_id: null } });
    });
  });
}
