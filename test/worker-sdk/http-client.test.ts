import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../src/worker-sdk/http-client.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** A server that sends its headers at once and the body `bodyDelayMs` later; `headersSent` resolves in between. */
async function slowBodyServer(bodyDelayMs: number): Promise<{ url: string; headersSent: Promise<void> }> {
  let sent!: () => void;
  const headersSent = new Promise<void>((resolve) => (sent = resolve));
  server = createServer((_req, res) => {
    const body = JSON.stringify({ job_id: 'j1', task_id: 't1' });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.flushHeaders();
    sent();
    setTimeout(() => res.end(body), bodyDelayMs);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, headersSent };
}

describe('worker SDK http client', () => {
  it('reads a reply to the end when the caller aborts after its headers arrived (a task is not dropped on stop)', async () => {
    const { url, headersSent } = await slowBodyServer(150);
    const controller = new AbortController();
    const reply = createHttpClient(url, 'token').request('GET', '/poll', { signal: controller.signal });
    await headersSent;
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort();
    await expect(reply).resolves.toMatchObject({ status: 200, body: { job_id: 'j1', task_id: 't1' } });
  });

  it('rejects at once when the caller aborts before the server answered', async () => {
    server = createServer(() => {});
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const controller = new AbortController();
    const reply = createHttpClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 'token').request('GET', '/poll', {
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 30);
    await expect(reply).rejects.toThrow();
  });
});
