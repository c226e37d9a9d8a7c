/** Public endpoints (status, metrics, docs, debug flush, approvals) and request bodies on the real server. */
import { describe, expect, it } from 'vitest';
import { HttpWorker } from '../../support/http-worker.js';
import { httpClient } from '../../support/server.js';
import { useServer, type SuiteOptions } from './harness.js';

export function publicTests(suite: SuiteOptions): void {
  describe('public endpoints', () => {
    const server = useServer(suite, { env: { MAX_BODY: '4kb' } });

    it('answers the status check', async () => {
      const s = server();
      expect(await httpClient(s.url, {}).get('/_public/status')).toMatchObject({ status: 200, body: { status: 'ok' } });
    });

    it('serves Prometheus text whose job counters move with work done', async () => {
      const s = server();
      const before = await (await fetch(`${s.url}/_public/metrics`)).text();
      const worker = new HttpWorker(s, 'metrics-worker', ['e2e.echo']);
      await worker.register();
      const jobId = await s.createJob('echo');
      await worker.succeed(await worker.take());
      await s.waitForJob(jobId);
      const response = await fetch(`${s.url}/_public/metrics`);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      const after = await response.text();
      const created = (text: string): number => Number(/switchyard_jobs_created_total\{[^}]*blueprint="echo"[^}]*\} (\d+)/.exec(text)?.[1] ?? 0);
      expect(created(after)).toBe(created(before) + 1);
    });

    it('serves the docs page', async () => {
      const s = server();
      const response = await fetch(`${s.url}/_public/docs`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/text\/html/);
    });

    it('hides the debug flush when debug endpoints are off', async () => {
      const s = server();
      expect((await httpClient(s.url, {}).post('/_public/debug/flush_db')).status).toBe(404);
    });

    it('answers 413, 415 and 400 for bodies that are too large, not JSON, or broken', async () => {
      const s = server();
      expect((await s.client.post('/api/v1/jobs/echo', { initial_data: { message: 'x'.repeat(5000) } })).status).toBe(413);
      const plain = await fetch(`${s.url}/api/v1/jobs/echo`, { method: 'POST', headers: { 'x-client-token': s.clientToken, 'content-type': 'text/plain' }, body: 'hello' });
      expect(plain.status).toBe(415);
      const broken = await s.client.post<{ error: string }>('/api/v1/jobs/echo', '{"initial_data": {');
      expect(broken.status).toBe(400);
      expect(broken.body.error).toMatch(/not valid JSON/);
    });

    it('answers 404 JSON for an unknown route and 405 for a wrong method', async () => {
      const s = server();
      expect(await httpClient(s.url, {}).get('/nowhere')).toMatchObject({ status: 404, body: { code: 'ROUTE_NOT_FOUND' } });
      expect((await s.client.patch('/api/v1/dashboard', {})).status).toBe(405);
    });
  });

  describe('approvals', () => {
    const server = useServer(suite);
    const publicClient = (url: string) => httpClient(url, {});

    it('moves a waiting job on by the decision', async () => {
      const s = server();
      const jobId = await s.createJob('long_approval');
      const waiting = await s.waitForJob(jobId, (job) => job.status === 'waiting_for_human');
      expect(waiting.decisions?.sort()).toEqual(['approved', 'rejected']);
      const reply = await publicClient(s.url).post(`/_public/webhooks/approval/${jobId}`, { decision: 'approved' });
      expect(reply).toMatchObject({ status: 200, body: { status: 'approval_received', job_id: jobId } });
      expect(await s.waitForJob(jobId)).toMatchObject({ status: 'finished', result: 'shipped' });
    });

    it('answers 400 for an unknown or missing decision, listing the allowed ones', async () => {
      const s = server();
      const jobId = await s.createJob('long_approval');
      await s.waitForJob(jobId, (job) => job.status === 'waiting_for_human');
      const unknown = await publicClient(s.url).post<{ error: string; details: unknown }>(`/_public/webhooks/approval/${jobId}`, { decision: 'maybe' });
      expect(unknown.status).toBe(400);
      expect(JSON.stringify(unknown.body)).toContain('approved');
      expect((await publicClient(s.url).post(`/_public/webhooks/approval/${jobId}`, {})).status).toBe(400);
      expect((await publicClient(s.url).post(`/_public/webhooks/approval/${jobId}`, ['approved'])).status).toBe(400);
      expect((await s.getJob(jobId)).status).toBe('waiting_for_human');
    });

    it('answers 404 for an unknown job and 409 for a job that is not waiting', async () => {
      const s = server();
      expect((await publicClient(s.url).post('/_public/webhooks/approval/no-such-job', { decision: 'approved' })).status).toBe(404);
      const jobId = await s.createJob('long_approval');
      await s.waitForJob(jobId, (job) => job.status === 'waiting_for_human');
      await publicClient(s.url).post(`/_public/webhooks/approval/${jobId}`, { decision: 'rejected' });
      expect(await s.waitForJob(jobId)).toMatchObject({ status: 'failed' });
      expect((await publicClient(s.url).post(`/_public/webhooks/approval/${jobId}`, { decision: 'approved' })).status).toBe(409);
      expect((await publicClient(s.url).post(`/_public/webhooks/approval/${jobId}`, { decision: 'nonsense' })).status).toBe(409);
    });

    it('takes the timeout transition when nobody decides in time', async () => {
      const s = server();
      const jobId = await s.createJob('approval');
      expect(await s.waitForJob(jobId, undefined, 5000)).toMatchObject({ status: 'failed', error_message: expect.stringContaining('nobody decided') });
    });
  });

  describe('debug endpoints', () => {
    const server = useServer(suite, { env: { ENABLE_DEBUG_ENDPOINTS: 'true' } });

    it('flushes every job when debug endpoints are on', async () => {
      const s = server();
      const jobId = await s.createJob('queued');
      expect(await httpClient(s.url, {}).post('/_public/debug/flush_db')).toMatchObject({ status: 200, body: { status: 'db_flushed' } });
      expect((await s.client.get(`/api/v1/jobs/${jobId}`)).status).toBe(404);
    });
  });
}
