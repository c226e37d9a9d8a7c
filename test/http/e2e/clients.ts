/** The client API: isolation between clients, listing, idempotency, cancel, graphs, dashboard. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Dashboard, HistoryEventView, JobView } from '../../../src/engine/api.js';
import { HttpWorker } from '../../support/http-worker.js';
import { eventually, httpClient } from '../../support/server.js';
import { useServer, type SuiteOptions } from './harness.js';

const ALICE = 'alice-token-0123456789abcdef';
const BOB = 'bob-token-0123456789abcdef';

function clientsFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-clients-'));
  const file = join(dir, 'clients.yaml');
  writeFileSync(file, `- name: alice\n  token: ${ALICE}\n- name: bob\n  token: ${BOB}\n`);
  return file;
}

function openSocket(url: string, workerId: string, token: string): Promise<WebSocket> {
  const socket = new WebSocket(`${url.replace('http', 'ws')}/_worker/ws/${workerId}`, { headers: { 'x-worker-token': token } });
  return once(socket, 'open').then(() => socket);
}

export function clientTests(suite: SuiteOptions): void {
  describe('client API', () => {
    const server = useServer(suite, { env: { CLIENTS_CONFIG: clientsFile() } });

    it('shows a job only to the client that created it', async () => {
      const s = server();
      const alice = httpClient(s.url, { 'x-client-token': ALICE });
      const bob = httpClient(s.url, { 'x-client-token': BOB });
      const created = await alice.post<{ job_id: string }>('/api/v1/jobs/queued', {});
      expect(created.status).toBe(202);
      const jobId = created.body.job_id;
      expect((await alice.get(`/api/v1/jobs/${jobId}`)).status).toBe(200);
      for (const path of [`/api/v1/jobs/${jobId}`, `/api/v1/jobs/${jobId}/history`, `/api/v1/blueprints/queued/graph?job_id=${jobId}`]) {
        expect((await bob.get(path)).status).toBe(404);
      }
      expect((await bob.post(`/api/v1/jobs/${jobId}/cancel`)).status).toBe(404);
      expect((await s.client.get(`/api/v1/jobs/${jobId}`)).status).toBe(404);
      const bobsList = await bob.get<{ jobs: JobView[] }>('/api/v1/jobs');
      expect(bobsList.body.jobs.map((job) => job.id)).not.toContain(jobId);
      const alicesList = await alice.get<{ jobs: JobView[] }>('/api/v1/jobs');
      expect(alicesList.body.jobs.map((job) => job.id)).toContain(jobId);
    });

    it('lists the caller jobs newest first with filters and a cursor', async () => {
      const s = server();
      const alice = httpClient(s.url, { 'x-client-token': ALICE });
      const ids: string[] = [];
      for (let i = 0; i < 3; i += 1) ids.push((await alice.post<{ job_id: string }>('/api/v1/jobs/flow', { initial_data: { n: 20 } })).body.job_id);
      await Promise.all(ids.map((id) => eventually(`job ${id}`, async () => ((await alice.get<JobView>(`/api/v1/jobs/${id}`)).body.status === 'failed' ? true : undefined))));
      const first = await alice.get<{ jobs: JobView[]; next_cursor: string | null }>('/api/v1/jobs?blueprint=flow&status=failed&limit=2');
      expect(first.status).toBe(200);
      expect(first.body.jobs.map((job) => job.id)).toEqual([ids[2], ids[1]]);
      expect(first.body.next_cursor).toEqual(expect.any(String));
      const second = await alice.get<{ jobs: JobView[] }>(`/api/v1/jobs?blueprint=flow&status=failed&limit=2&cursor=${encodeURIComponent(first.body.next_cursor!)}`);
      expect(second.body.jobs.map((job) => job.id)).toEqual([ids[0]]);
      const none = await alice.get<{ jobs: JobView[] }>('/api/v1/jobs?blueprint=flow&status=finished');
      expect(none.body.jobs).toEqual([]);
      const byId = await alice.get<{ jobs: JobView[] }>(`/api/v1/jobs?q=${ids[1]!.slice(-12)}`);
      expect(byId.body.jobs.map((job) => job.id)).toEqual([ids[1]]);
    });

    it('answers a repeat with the same Idempotency-Key with the first job id', async () => {
      const s = server();
      const headers = { 'idempotency-key': 'order-42' };
      const first = await s.client.post<{ job_id: string }>('/api/v1/jobs/queued', {}, headers);
      const again = await s.client.post<{ job_id: string }>('/api/v1/jobs/queued', {}, headers);
      expect(first.status).toBe(202);
      expect(again.status).toBe(202);
      expect(again.body.job_id).toBe(first.body.job_id);
      const other = await s.client.post<{ job_id: string }>('/api/v1/jobs/queued', {}, { 'idempotency-key': 'order-43' });
      expect(other.body.job_id).not.toBe(first.body.job_id);
    });

    it('cancels a queued job (accepted), and answers 409 once it has ended', async () => {
      const s = server();
      const jobId = await s.createJob('queued');
      const reply = await s.client.post(`/api/v1/jobs/${jobId}/cancel`);
      expect(reply).toMatchObject({ status: 200, body: { status: 'cancellation_request_accepted' } });
      expect((await s.getJob(jobId)).status).toBe('cancelled');
      const again = await s.client.post(`/api/v1/jobs/${jobId}/cancel`);
      expect(again.status).toBe(409);
      const history = (await s.client.get<HistoryEventView[]>(`/api/v1/jobs/${jobId}/history`)).body;
      expect(history.at(-1)?.event_type).toBe('job_cancelled');
      expect((await s.client.post('/api/v1/jobs/no-such-job/cancel')).status).toBe(404);
    });

    it('tells a busy worker over its socket (sent), lists the task in its heartbeat, and answers its result with 409', async () => {
      const s = server();
      const worker = new HttpWorker(s, 'busy-worker', ['e2e.long']);
      await worker.register();
      const socket = await openSocket(s.url, 'busy-worker', s.workerToken);
      try {
        const jobId = await s.createJob('cancellable');
        const task = await worker.take();
        const message = once(socket, 'message');
        const started = Date.now();
        const reply = await s.client.post(`/api/v1/jobs/${jobId}/cancel`);
        expect(reply.body).toEqual({ status: 'cancellation_request_sent' });
        expect(JSON.parse(String((await message)[0]))).toEqual({ command: 'cancel_task', job_id: jobId, task_id: task.task_id });
        expect(Date.now() - started).toBeLessThan(1000);
        expect((await worker.heartbeat()).body).toMatchObject({ cancelled_tasks: [task.task_id] });
        expect((await worker.succeed(task)).status).toBe(409);
        expect((await s.getJob(jobId)).status).toBe('cancelled');
      } finally {
        socket.close();
      }
    });

    it('stores progress_update events from the socket on the job', async () => {
      const s = server();
      const worker = new HttpWorker(s, 'progress-worker', ['e2e.long']);
      await worker.register();
      const socket = await openSocket(s.url, 'progress-worker', s.workerToken);
      try {
        const jobId = await s.createJob('cancellable');
        const task = await worker.take();
        socket.send(JSON.stringify({ event: 'progress_update', job_id: jobId, task_id: task.task_id, progress: 0.5, message: 'half way' }));
        const job = await s.waitForJob(jobId, (j) => j.progress !== null);
        expect(job.progress).toMatchObject({ progress: 0.5, message: 'half way', task_id: task.task_id });
        await worker.succeed(task);
        await s.waitForJob(jobId);
      } finally {
        socket.close();
      }
    });

    it('posts job_finished to the webhook_url given at creation', async () => {
      const s = server();
      const received: Array<Record<string, unknown>> = [];
      const receiver = createServer((request, response) => {
        let body = '';
        request.on('data', (chunk: Buffer) => (body += chunk.toString()));
        request.on('end', () => {
          received.push(JSON.parse(body) as Record<string, unknown>);
          response.end('ok');
        });
      });
      receiver.listen(0, '127.0.0.1');
      await once(receiver, 'listening');
      try {
        const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
        const worker = new HttpWorker(s, 'webhook-worker', ['e2e.echo']);
        await worker.register();
        const jobId = await s.createJob('echo', { message: 'ping' }, { webhook_url: hook });
        expect((await s.getJob(jobId)).webhook_url).toBe(hook);
        await worker.succeed(await worker.take(), { pong: true });
        const delivered = await eventually('the webhook', async () => received[0]);
        expect(delivered).toMatchObject({ event: 'job_finished', job_id: jobId, status: 'finished', result: { pong: true } });
      } finally {
        receiver.close();
      }
    });

    it('lists blueprints with their endpoints', async () => {
      const s = server();
      const reply = await s.client.get<Array<{ name: string; endpoint: string | null; version: number }>>('/api/v1/blueprints');
      expect(reply.body.find((b) => b.name === 'echo')).toMatchObject({ endpoint: '/api/v1/jobs/echo', version: 1 });
      expect(reply.body.find((b) => b.name === 'child')).toMatchObject({ endpoint: null });
    });

    it('draws a blueprint as DOT, as SVG, and with a job overlay', async () => {
      const s = server();
      const dot = await fetch(`${s.url}/api/v1/blueprints/echo/graph`, { headers: { 'x-client-token': s.clientToken } });
      expect(dot.headers.get('content-type')).toMatch(/^text\/vnd\.graphviz/);
      const text = await dot.text();
      expect(text).toMatch(/digraph/);
      expect(text).toContain('say');
      const svg = await fetch(`${s.url}/api/v1/blueprints/echo/graph?format=svg`, { headers: { 'x-client-token': s.clientToken } });
      expect(svg.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
      expect(await svg.text()).toContain('<svg');
      const jobId = await s.createJob('echo');
      const overlay = await fetch(`${s.url}/api/v1/blueprints/echo/graph?job_id=${jobId}`, { headers: { 'x-client-token': s.clientToken } });
      expect(overlay.status).toBe(200);
      expect(await overlay.text()).not.toBe(text);
      expect((await s.client.get('/api/v1/blueprints/nope/graph')).status).toBe(404);
      expect((await s.client.get('/api/v1/blueprints/echo/graph?format=png')).status).toBe(400);
      expect((await s.client.get(`/api/v1/blueprints/flow/graph?job_id=${jobId}`)).status).toBe(400);
    });

    it('sums up jobs, workers, queues and blueprints on the dashboard', async () => {
      const s = server();
      await s.createJob('queued');
      const reply = await s.client.get<Dashboard>('/api/v1/dashboard');
      expect(reply.status).toBe(200);
      expect(reply.body.jobs.waiting_for_worker).toBeGreaterThanOrEqual(1);
      expect(reply.body.queues['e2e.unserved']).toBeGreaterThanOrEqual(1);
      expect(reply.body.workers).toEqual({ total: expect.any(Number), idle: expect.any(Number), busy: expect.any(Number) });
      expect(reply.body.blueprints).toEqual(expect.arrayContaining(['echo', 'flow', 'child']));
    });

    it('answers 400 naming the violations for initial_data that fails the input schema', async () => {
      const s = server();
      const reply = await s.client.post<{ code: string; details: Array<{ path: string }> }>('/api/v1/jobs/flow', { initial_data: { n: 'two' } });
      expect(reply.status).toBe(400);
      expect(reply.body.code).toBe('VALIDATION_ERROR');
      expect(reply.body.details[0]!.path).toContain('n');
    });

    it('answers 404 for an unknown job', async () => {
      const s = server();
      expect((await s.client.get('/api/v1/jobs/no-such-job')).status).toBe(404);
      expect((await s.client.get('/api/v1/jobs/no-such-job/history')).status).toBe(404);
    });
  });
}
