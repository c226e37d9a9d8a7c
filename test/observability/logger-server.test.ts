/**
 * The logs of the real server, at the most verbose level, while clients and workers use it with their
 * tokens (right and wrong): no token ever appears, and lines about a job carry its id.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';
import { HttpWorker } from '../support/http-worker.js';
import { httpClient, startTestServer, type TestServer } from '../support/server.js';

const BLUEPRINT = `
name: logged
api: { version: v1, endpoint: /jobs/logged }
start: work
states:
  work:
    type: task
    task: log.work
    transitions: { success: done }
  done: { type: end }
`;

describe('logs of the running server', () => {
  const raw: string[] = [];
  let server: TestServer;
  let dir = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-logs-'));
    writeFileSync(join(dir, 'logged.yaml'), BLUEPRINT);
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        raw.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    server = await startTestServer({
      blueprintsDir: dir,
      start: { logger: createLogger({ level: 'trace', pretty: false, destination }) },
    });
  });

  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('never contains a token, whether the request was allowed or refused', async () => {
    const worker = new HttpWorker(server, 'log-w1', ['log.work']);
    await worker.register();
    const jobId = await server.createJob('logged', {});
    await worker.succeed(await worker.take());
    await server.waitForJob(jobId);
    const wrongClient = 'wrong-client-token-never-logged-0001';
    const wrongWorker = 'wrong-worker-token-never-logged-0002';
    expect((await httpClient(server.url, { 'x-client-token': wrongClient }).get('/api/v1/workers')).status).toBe(401);
    expect((await httpClient(server.url, { 'x-worker-token': wrongWorker }).post('/_worker/workers/register', { worker_id: 'x', supported_tasks: ['a'] })).status).toBe(401);
    await server.close();

    expect(raw.length).toBeGreaterThan(0);
    const text = raw.join('\n');
    for (const token of [server.clientToken, server.workerToken, wrongClient, wrongWorker]) expect(text).not.toContain(token);
  });

  it('puts the job id on the lines about a job', () => {
    const lines = raw.map((line) => JSON.parse(line) as Record<string, unknown>);
    const aboutJobs = lines.filter((line) => /^job (finished|created)/.test(String(line.msg)));
    expect(aboutJobs.length).toBeGreaterThan(0);
    for (const line of aboutJobs) expect(line.job_id).toBeTypeOf('string');
  });
});
