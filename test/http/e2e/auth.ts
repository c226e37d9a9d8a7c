/** Auth on every route: missing, wrong and other parties' tokens; individual worker tokens bound to their ids. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { HttpWorker } from '../../support/http-worker.js';
import { useServer, type SuiteOptions } from './harness.js';

const GPU_TOKEN = 'gpu-fleet-token-0123456789abcdef';

const CLIENT_ROUTES: ReadonlyArray<readonly [string, string]> = [
  ['POST', '/api/v1/jobs/echo'],
  ['GET', '/api/v1/jobs'],
  ['GET', '/api/v1/jobs/some-job'],
  ['POST', '/api/v1/jobs/some-job/cancel'],
  ['GET', '/api/v1/jobs/some-job/history'],
  ['GET', '/api/v1/blueprints'],
  ['GET', '/api/v1/blueprints/echo/graph'],
  ['GET', '/api/v1/workers'],
  ['GET', '/api/v1/dashboard'],
];

const WORKER_ROUTES: ReadonlyArray<readonly [string, string, unknown?]> = [
  ['POST', '/_worker/workers/register', { worker_id: 'w', supported_tasks: ['x'] }],
  ['PATCH', '/_worker/workers/w'],
  ['GET', '/_worker/workers/w/tasks/next?timeout=0'],
  ['POST', '/_worker/tasks/result', { job_id: 'j', task_id: 't', worker_id: 'w', result: { status: 'success' } }],
];

function workersFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-workers-'));
  const file = join(dir, 'workers.yaml');
  writeFileSync(file, `- worker_id: gpu-*\n  token: ${GPU_TOKEN}\n`);
  return file;
}

function upgradeStatus(url: string, workerId: string, token?: string): Promise<number> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`${url.replace('http', 'ws')}/_worker/ws/${workerId}`, token ? { headers: { 'x-worker-token': token } } : {});
    socket.on('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.on('open', () => {
      resolve(101);
      socket.close();
    });
    socket.on('error', () => undefined);
  });
}

export function authTests(suite: SuiteOptions): void {
  describe('auth', () => {
    const server = useServer(suite, { env: { WORKERS_CONFIG: workersFile() } });

    it('rejects every client route without a token, with a wrong one, and with a worker token', async () => {
      const s = server();
      for (const [method, path] of CLIENT_ROUTES) {
        for (const headers of [{}, { 'x-client-token': 'wrong-token-0123456789abcdef' }, { 'x-client-token': s.workerToken }] as Record<string, string>[]) {
          const response = await fetch(s.url + path, { method, headers: { ...headers, 'content-type': 'application/json' }, body: method === 'POST' ? '{}' : undefined });
          expect({ method, path, headers, status: response.status }).toEqual({ method, path, headers, status: 401 });
        }
      }
    });

    it('rejects every worker route without a token, with a wrong one, and with a client token', async () => {
      const s = server();
      for (const [method, path, body] of WORKER_ROUTES) {
        for (const headers of [{}, { 'x-worker-token': 'wrong-token-0123456789abcdef' }, { 'x-worker-token': s.clientToken }] as Record<string, string>[]) {
          const response = await fetch(s.url + path, {
            method,
            headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
            body: body ? JSON.stringify(body) : undefined,
          });
          expect({ method, path, headers, status: response.status }).toEqual({ method, path, headers, status: 401 });
        }
      }
      expect(await upgradeStatus(s.url, 'w')).toBe(401);
      expect(await upgradeStatus(s.url, 'w', 'wrong-token-0123456789abcdef')).toBe(401);
      expect(await upgradeStatus(s.url, 'w', s.clientToken)).toBe(401);
    });

    it('lets an individual worker token act only as the worker ids of its pattern', async () => {
      const s = server();
      const gpu = new HttpWorker(s, 'gpu-1', ['e2e.echo'], {}, GPU_TOKEN);
      expect((await gpu.register()).status).toBe(200);
      const impostor = new HttpWorker(s, 'cpu-1', ['e2e.echo'], {}, GPU_TOKEN);
      expect((await impostor.register()).status).toBe(403);
      expect((await impostor.heartbeat()).status).toBe(403);
      expect((await impostor.http.get('/_worker/workers/cpu-1/tasks/next?timeout=0')).status).toBe(403);
      expect(await upgradeStatus(s.url, 'cpu-1', GPU_TOKEN)).toBe(403);
      expect(await upgradeStatus(s.url, 'gpu-1', GPU_TOKEN)).toBe(101);

      // A task held by a global-token worker: the gpu token cannot post its result under that worker's id.
      const holder = new HttpWorker(s, 'holder-1', ['e2e.echo']);
      await holder.register();
      const jobId = await s.createJob('echo');
      const task = await holder.take();
      expect((await gpu.result(task, { status: 'success' }, { workerId: 'holder-1' })).status).toBe(403);
      expect((await s.getJob(jobId)).status).toBe('waiting_for_worker');
      await holder.succeed(task);
    });

    it('serves the public routes without any token', async () => {
      const s = server();
      expect((await fetch(`${s.url}/_public/status`)).status).toBe(200);
      expect((await fetch(`${s.url}/_public/metrics`)).status).toBe(200);
    });
  });
}
