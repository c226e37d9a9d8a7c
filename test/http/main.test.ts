/** startSwitchyard: start-up refusals and the graceful close. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { once } from 'node:events';
import { loadConfig } from '../../src/config.js';
import { BlueprintLoadError, startSwitchyard } from '../../src/main.js';
import { HttpWorker } from '../support/http-worker.js';
import { startTestServer } from '../support/server.js';

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-main-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('startSwitchyard', () => {
  it('refuses to start with a bad blueprint, listing the problems of every file', async () => {
    const dir = dirWith({
      'a.yaml': 'name: a\nstart: nowhere\nstates:\n  x:\n    type: end\n',
      'b.yaml': 'name: b\nstart: s\nstates:\n  s:\n    type: tusk\n',
    });
    const config = loadConfig({ BLUEPRINTS_DIR: dir, PORT: '0', LOG_LEVEL: 'silent' });
    const error = await startSwitchyard(config).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BlueprintLoadError);
    const lines = (error as BlueprintLoadError).lines;
    expect(lines.some((line) => line.includes('a.yaml'))).toBe(true);
    expect(lines.some((line) => line.includes('b.yaml'))).toBe(true);
  });

  it('listens on a random port with PORT=0 and answers the status check', async () => {
    const server = await startTestServer();
    try {
      expect(server.running.port).toBeGreaterThan(0);
      expect(await (await fetch(`${server.url}/_public/status`)).json()).toEqual({ status: 'ok' });
    } finally {
      await server.close();
    }
  });

  it('closes gracefully: waiting polls get 204, sockets close with 1001, then nothing listens', async () => {
    const server = await startTestServer({ env: { WORKER_POLL_TIMEOUT: '30s' } });
    const worker = new HttpWorker(server, 'patient', ['e2e.never']);
    await worker.register();
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/_worker/ws/patient`, { headers: { 'x-worker-token': server.workerToken } });
    await once(socket, 'open');
    const closed = once(socket, 'close');
    const poll = worker.http.get('/_worker/workers/patient/tasks/next?timeout=30');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await server.close();
    expect((await poll).status).toBe(204);
    expect((await closed)[0]).toBe(1001);
    expect(Date.now() - started).toBeLessThan(3000);
    await expect(fetch(`${server.url}/_public/status`)).rejects.toThrow();
  });

  it('reports a port that is taken and leaves nothing running', async () => {
    const first = await startTestServer();
    try {
      const config = loadConfig({ PORT: String(first.running.port), BLUEPRINTS_DIR: first.config.blueprintsDir, LOG_LEVEL: 'silent' });
      await expect(startSwitchyard(config)).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await first.close();
    }
  });
});
