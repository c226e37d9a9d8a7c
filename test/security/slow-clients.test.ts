/**
 * Slow and idle connections (slowloris): the server bounds how long a request may take to arrive, and
 * hundreds of connections that send half a request do not stop others from being served.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { SEC_BLUEPRINTS } from './support.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ blueprintsDir: SEC_BLUEPRINTS });
});
afterAll(() => server.close());

describe('slow clients', () => {
  it('gives a request 10 s for its headers and 30 s in all (long-poll replies are not bounded by this)', () => {
    expect(server.running.server.headersTimeout).toBeLessThanOrEqual(10_000);
    expect(server.running.server.requestTimeout).toBeLessThanOrEqual(30_000);
    expect(server.running.server.requestTimeout).toBeGreaterThan(0);
  });

  it('serves a normal request at once while 300 connections hang in the middle of their headers or body', async () => {
    const { port } = new URL(server.url);
    const sockets: Socket[] = [];
    try {
      await Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          new Promise<void>((resolve) => {
            const socket = connect(Number(port), '127.0.0.1', () => {
              socket.write(i % 2 === 0 ? 'GET /_public/status HTTP/1.1\r\nHost: x\r\nX-Slow: ' : 'POST /api/v1/jobs/sec_echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"initial_data":');
              resolve();
            });
            socket.on('error', () => undefined);
            sockets.push(socket);
          }),
        ),
      );
      const started = Date.now();
      const reply = await server.client.get('/api/v1/blueprints');
      expect(reply.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  });
});
