/**
 * Webhook safety against local receivers: only http(s) URLs without credentials, only allowed hosts
 * when WEBHOOK_ALLOWED_HOSTS is set, redirects never followed, and a receiver that never answers holds
 * nothing but its own delivery (WEBHOOK_TIMEOUT).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestServer, type TestServer } from '../support/server.js';
import { SEC_BLUEPRINTS } from './support.js';

interface Receiver {
  url: string;
  hits: string[];
  server: Server;
}

async function receiver(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<Receiver> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    req.resume();
    handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits, server };
}

let server: TestServer;
let redirecting: Receiver;
let hanging: Receiver;
const held: ServerResponse[] = [];

beforeAll(async () => {
  redirecting = await receiver((req, res) => {
    if (req.url === '/hook') res.writeHead(302, { location: '/final' }).end();
    else res.writeHead(200).end('ok');
  });
  hanging = await receiver((_req, res) => {
    held.push(res); // never answered
  });
  server = await startTestServer({
    blueprintsDir: SEC_BLUEPRINTS,
    env: { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1,Allowed.Example.com', WEBHOOK_TIMEOUT: '300ms' },
    start: { limits: { webhookBackoffMs: 50, webhookMaxBackoffMs: 100 } },
  });
});
afterAll(async () => {
  await server.close();
  for (const res of held) res.destroy();
  redirecting.server.closeAllConnections();
  hanging.server.closeAllConnections();
  await Promise.all([redirecting, hanging].map((r) => new Promise((resolve) => r.server.close(resolve))));
});

const create = (webhookUrl: string) => server.client.post<{ job_id: string; code?: string; error?: string }>('/api/v1/jobs/sec_expression', { initial_data: { kind: 'none' }, webhook_url: webhookUrl });

describe('webhook_url', () => {
  it('refuses every scheme but http and https, and URLs with credentials', async () => {
    for (const url of ['file:///etc/passwd', 'ftp://127.0.0.1/x', 'gopher://127.0.0.1:6379/_FLUSHALL', 'javascript:alert(1)', 'data:text/plain,x', 'ws://127.0.0.1/x', 'http://user:pw@127.0.0.1/x', 'not a url', '//127.0.0.1/x']) {
      const reply = await create(url);
      expect(reply.status, url).toBe(400);
      expect(reply.body.code, url).toBe('INVALID_WEBHOOK_URL');
      expect(reply.body.error, url).toMatch(/webhook_url/);
    }
  });

  it('takes only hosts of WEBHOOK_ALLOWED_HOSTS (case-insensitive), and no look-alikes', async () => {
    for (const url of ['http://allowed.example.com/hook', 'https://ALLOWED.example.com:8443/x', `${redirecting.url}/accepted`]) expect((await create(url)).status, url).toBe(202);
    for (const url of [
      'http://allowed.example.com.evil.net/hook',
      'http://evil.net/#@allowed.example.com',
      'http://evil.net\\@allowed.example.com/',
      'http://127.0.0.2/hook',
      'http://localhost/hook',
      'http://[::1]/hook',
      'http://2130706434/hook', // 127.0.0.2 in decimal
      'http://169.254.169.254/latest/meta-data',
    ]) {
      const reply = await create(url);
      expect(reply.status, url).toBe(400);
      expect(reply.body.code, url).toBe('INVALID_WEBHOOK_URL');
    }
  });
});

describe('deliveries', () => {
  it('does not follow a redirect: the 302 is a failed try and the target is never called', async () => {
    const jobId = (await create(`${redirecting.url}/hook`)).body.job_id;
    const tries = await eventually('two webhook tries', async () => {
      const history = (await server.client.get<Record<string, unknown>[]>(`/api/v1/jobs/${jobId}/history`)).body;
      const found = history.filter((e) => e.event_type === 'webhook_delivery');
      return found.length >= 2 ? found : undefined;
    });
    expect(tries[0]).toMatchObject({ status_code: 302, outcome: 'retry' });
    expect(redirecting.hits.filter((hit) => hit === '/hook').length).toBeGreaterThanOrEqual(2);
    expect(redirecting.hits).not.toContain('/final');
  });

  it('gives up on a receiver that never answers after WEBHOOK_TIMEOUT, and serves other jobs meanwhile', async () => {
    const slow = await Promise.all(Array.from({ length: 20 }, () => create(`${hanging.url}/hook`)));
    expect(slow.every((reply) => reply.status === 202)).toBe(true);
    // While 20 deliveries hang, new jobs are created and end at once.
    const started = Date.now();
    for (let i = 0; i < 10; i++) {
      const jobId = await server.createJob('sec_expression', { kind: 'none' });
      expect((await server.getJob(jobId)).status).toBe('finished');
    }
    expect(Date.now() - started).toBeLessThan(2000);
    const jobId = slow[0]!.body.job_id;
    const first = await eventually('a timed-out try', async () => {
      const history = (await server.client.get<Record<string, unknown>[]>(`/api/v1/jobs/${jobId}/history`)).body;
      return history.find((e) => e.event_type === 'webhook_delivery');
    });
    expect(first).toMatchObject({ outcome: 'retry', status_code: null, error: 'no answer within 300 ms' });
  });
});
