/** The worker WebSocket on its own: auth on upgrade, replacement, cancel delivery, progress, keep-alive, close. */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { loadConfig } from '../../src/config.js';
import { NotFoundError } from '../../src/errors.js';
import { createAuthenticator } from '../../src/http/auth.js';
import { createBodyValidator } from '../../src/http/schemas.js';
import { silentLogger } from '../../src/http/logger.js';
import { CLOSE_GOING_AWAY, CLOSE_REPLACED, createWorkerSockets, type ProgressUpdate, type WorkerSockets } from '../../src/http/worker-sockets.js';

const WORKER = 'worker-token-0123456789';

interface Harness {
  url: string;
  sockets: WorkerSockets;
  progress: ProgressUpdate[];
  server: Server;
}

const harnesses: Harness[] = [];

async function start(options: { pingIntervalMs?: number; failProgress?: boolean } = {}): Promise<Harness> {
  const config = loadConfig({ CLIENT_TOKEN: 'client-token-0123456789', GLOBAL_WORKER_TOKEN: WORKER });
  const progress: ProgressUpdate[] = [];
  const sockets = createWorkerSockets({
    auth: createAuthenticator(config),
    validator: createBodyValidator(),
    logger: silentLogger,
    pingIntervalMs: options.pingIntervalMs,
    onProgress: async (update) => {
      if (options.failProgress) throw new NotFoundError(`job "${update.job_id}" not found`);
      progress.push(update);
    },
  });
  const server = createServer((_req, res) => res.end());
  server.on('upgrade', (request, socket, head) => sockets.handleUpgrade(request, socket, head));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const harness = { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`, sockets, progress, server };
  harnesses.push(harness);
  return harness;
}

afterEach(async () => {
  for (const harness of harnesses.splice(0)) {
    await harness.sockets.close();
    harness.server.closeAllConnections();
    await new Promise((resolve) => harness.server.close(resolve));
  }
});

async function connect(url: string, workerId: string, token = WORKER): Promise<WebSocket> {
  const socket = new WebSocket(`${url}/_worker/ws/${workerId}`, { headers: { 'x-worker-token': token } });
  await once(socket, 'open');
  return socket;
}

function refusal(url: string, token: string | undefined): Promise<number> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, token === undefined ? {} : { headers: { 'x-worker-token': token } });
    socket.on('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.on('open', () => resolve(101));
    socket.on('error', () => undefined);
  });
}

describe('worker WebSocket', () => {
  it('refuses an upgrade without a valid worker token, and an unknown path', async () => {
    const { url } = await start();
    expect(await refusal(`${url}/_worker/ws/w1`, undefined)).toBe(401);
    expect(await refusal(`${url}/_worker/ws/w1`, 'wrong-token-0123456789')).toBe(401);
    expect(await refusal(`${url}/_worker/elsewhere`, WORKER)).toBe(404);
  });

  it('delivers a cancel command and reports that it was written', async () => {
    const { url, sockets } = await start();
    const socket = await connect(url, 'w1');
    const message = once(socket, 'message');
    expect(await sockets.send('w1', { command: 'cancel_task', job_id: 'j1', task_id: 't1' })).toBe(true);
    expect(JSON.parse(String((await message)[0]))).toEqual({ command: 'cancel_task', job_id: 'j1', task_id: 't1' });
    socket.close();
  });

  it('reports false for a worker without an open socket', async () => {
    const { sockets } = await start();
    expect(await sockets.send('nobody', { command: 'cancel_task', job_id: 'j1', task_id: 't1' })).toBe(false);
  });

  it('replaces an older connection of the same worker, closing it with 4000', async () => {
    const { url, sockets } = await start();
    const first = await connect(url, 'w1');
    const closed = once(first, 'close');
    const second = await connect(url, 'w1');
    expect((await closed)[0]).toBe(CLOSE_REPLACED);
    const message = once(second, 'message');
    expect(await sockets.send('w1', { command: 'cancel_task', job_id: 'j', task_id: 't' })).toBe(true);
    await message;
    second.close();
  });

  it('passes progress updates to the engine under the socket worker id', async () => {
    const harness = await start();
    const socket = await connect(harness.url, 'w1');
    socket.send(JSON.stringify({ event: 'progress_update', job_id: 'j1', task_id: 't1', progress: 0.5, message: 'half', worker_id: 'someone-else' }));
    await expect.poll(() => harness.progress).toEqual([{ worker_id: 'w1', job_id: 'j1', task_id: 't1', progress: 0.5, message: 'half' }]);
    socket.close();
  });

  it('answers a bad message or a refused update with an error event, keeping the socket open', async () => {
    const { url } = await start({ failProgress: true });
    const socket = await connect(url, 'w1');
    const replies: unknown[] = [];
    socket.on('message', (data) => replies.push(JSON.parse(String(data))));
    socket.send('not json');
    socket.send(JSON.stringify({ event: 'progress_update', job_id: 'j1', task_id: 't1' }));
    await expect.poll(() => replies.length).toBe(2);
    expect(replies).toEqual([
      expect.objectContaining({ event: 'error', code: 'INVALID_JSON' }),
      expect.objectContaining({ event: 'error', code: 'NOT_FOUND' }),
    ]);
    expect(socket.readyState).toBe(WebSocket.OPEN);
    socket.close();
  });

  it('terminates a socket that stops answering pings', async () => {
    const { url, sockets } = await start({ pingIntervalMs: 50 });
    const socket = new WebSocket(`${url}/_worker/ws/w1`, { headers: { 'x-worker-token': WORKER }, autoPong: false });
    await once(socket, 'open');
    expect(sockets.connected('w1')).toBe(true);
    await expect.poll(() => sockets.connected('w1'), { timeout: 2000 }).toBe(false);
  });

  it('closes every socket with 1001 on close', async () => {
    const { url, sockets } = await start();
    const socket = await connect(url, 'w1');
    const closed = once(socket, 'close');
    await sockets.close();
    expect((await closed)[0]).toBe(CLOSE_GOING_AWAY);
  });
});
