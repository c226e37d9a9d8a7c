/** Configured limits: rate limits per client and per worker, open polls per worker, webhook hosts. */
import { describe, expect, it } from 'vitest';
import { HttpWorker } from '../../support/http-worker.js';
import { useServer, type SuiteOptions } from './harness.js';

export function limitTests(suite: SuiteOptions): void {
  describe('limits', () => {
    const server = useServer(suite, {
      env: { RATE_LIMIT_CLIENT: '3', RATE_LIMIT_WORKER: '3', MAX_POLLS_PER_WORKER: '1', WEBHOOK_ALLOWED_HOSTS: 'hooks.example.com' },
    });

    it('answers 429 with Retry-After to a client past RATE_LIMIT_CLIENT', async () => {
      const s = server();
      const replies = await Promise.all(Array.from({ length: 8 }, () => s.client.get('/api/v1/dashboard')));
      const limited = replies.filter((reply) => reply.status === 429);
      expect(limited.length).toBeGreaterThanOrEqual(4);
      expect(limited[0]!.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(limited[0]!.body).toMatchObject({ code: 'RATE_LIMITED' });
    });

    it('limits each worker id on its own', async () => {
      const s = server();
      const noisy = new HttpWorker(s, 'noisy', ['e2e.echo']);
      const calm = new HttpWorker(s, 'calm', ['e2e.echo']);
      const replies = await Promise.all(Array.from({ length: 8 }, () => noisy.heartbeat({ supported_tasks: ['e2e.echo'] })));
      expect(replies.filter((reply) => reply.status === 429).length).toBeGreaterThanOrEqual(4);
      expect((await calm.register()).status).toBe(200);
    });

    it('answers 429 to a worker that opens more polls than MAX_POLLS_PER_WORKER', async () => {
      const s = server();
      await new Promise((resolve) => setTimeout(resolve, 1100)); // a fresh second of the worker's rate
      const worker = new HttpWorker(s, 'greedy', ['e2e.never']);
      await worker.register();
      const first = worker.http.get('/_worker/workers/greedy/tasks/next?timeout=1');
      await new Promise((resolve) => setTimeout(resolve, 100));
      const second = await worker.http.get('/_worker/workers/greedy/tasks/next?timeout=1');
      expect(second.status).toBe(429);
      expect((await first).status).toBe(204);
    });

    it('accepts a webhook_url only on an allowed host', async () => {
      const s = server();
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const refused = await s.client.post('/api/v1/jobs/queued', { webhook_url: 'https://evil.example.net/hook' });
      expect(refused).toMatchObject({ status: 400, body: { code: 'INVALID_WEBHOOK_URL' } });
      const accepted = await s.client.post('/api/v1/jobs/queued', { webhook_url: 'https://hooks.example.com/hook' });
      expect(accepted.status).toBe(202);
    });
  });
}
