/** `switchyard serve` as a process: what it prints, a bad configuration, and SIGTERM. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HTTP_BLUEPRINTS } from '../support/server.js';

const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

function serve(env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn('node', ['bin/switchyard.js', 'serve'], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_LEVEL: 'warn', BLUEPRINTS_DIR: HTTP_BLUEPRINTS, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, output: () => text, exited };
}

async function waitFor(output: () => string, pattern: RegExp, timeoutMs = 20_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(output());
    if (match) return match;
    if (Date.now() > deadline) throw new Error(`no ${pattern} in output:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('switchyard serve', () => {
  it('prints the URL, the generated tokens once, the docs and console addresses, and the memory warning', async () => {
    const { child, output, exited } = serve({});
    const [, url] = await waitFor(output, /listening on (http:\/\/\S+)/);
    await waitFor(output, /memory store forgets/);
    const text = output();
    const client = /CLIENT_TOKEN was not set; generated for this run: (\S+)/.exec(text)?.[1];
    expect(client).toBeDefined();
    expect(text).toMatch(/GLOBAL_WORKER_TOKEN was not set; generated for this run: \S+/);
    expect(text).toContain(`${url}/_public/docs`);
    expect(text).toContain(`${url}/_public/console/`);
    expect(text.split(client!).length - 1).toBe(1);
    const reply = await fetch(`${url}/api/v1/dashboard`, { headers: { 'x-client-token': client! } });
    expect(reply.status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('exits 0 within 10 s of SIGTERM even with a long-poll waiting', async () => {
    const worker = 'serve-test-worker-token-0123456789';
    const { child, output, exited } = serve({ GLOBAL_WORKER_TOKEN: worker, CLIENT_TOKEN: 'serve-test-client-token-0123456789', WORKER_POLL_TIMEOUT: '60s' });
    const [, url] = await waitFor(output, /listening on (http:\/\/\S+)/);
    const headers = { 'x-worker-token': worker, 'content-type': 'application/json' };
    await fetch(`${url}/_worker/workers/register`, { method: 'POST', headers, body: JSON.stringify({ worker_id: 'w', supported_tasks: ['nothing'] }) });
    const poll = fetch(`${url}/_worker/workers/w/tasks/next?timeout=60`, { headers });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    child.kill('SIGTERM');
    expect((await poll).status).toBe(204);
    expect(await exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('exits 1 with every configuration problem on stderr', async () => {
    const { output, exited } = serve({ PORT: 'x', WORKER_TTL: 'forever' });
    expect(await exited).toBe(1);
    expect(output()).toMatch(/PORT="x"/);
    expect(output()).toMatch(/WORKER_TTL="forever"/);
  });

  it('exits 1 listing the problems of a bad blueprint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-serve-'));
    writeFileSync(join(dir, 'broken.yaml'), 'name: broken\nstart: missing\nstates:\n  a:\n    type: end\n');
    const { output, exited } = serve({ BLUEPRINTS_DIR: dir });
    expect(await exited).toBe(1);
    expect(output()).toMatch(/broken\.yaml:\d+:\d+/);
  });
});
