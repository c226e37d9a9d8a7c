/**
 * Limits against the real server: body size, JSON depth, MAX_FAN_OUT, MAX_JOB_DATA, and expressions
 * bounded in time, depth and sequence length. (Open polls per worker: test/http/e2e/limits.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpWorker } from '../support/http-worker.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { nestedJson, SEC_BLUEPRINTS } from './support.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({
    blueprintsDir: SEC_BLUEPRINTS,
    env: { MAX_BODY: '64kb', MAX_FAN_OUT: '5', MAX_JOB_DATA: '20kb' },
  });
});
afterAll(() => server.close());

async function rawPost(path: string, body: string | ReadableStream<Uint8Array>, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(server.url + path, {
    method: 'POST',
    headers: { 'x-client-token': server.clientToken, 'content-type': 'application/json', ...headers },
    body,
    duplex: 'half',
  } as RequestInit);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('request bodies', () => {
  it('answers 413 naming MAX_BODY to a body with a Content-Length past it', async () => {
    const reply = await rawPost('/api/v1/jobs/sec_echo', JSON.stringify({ initial_data: { message: 'x'.repeat(70_000) } }));
    expect(reply.status).toBe(413);
    expect(String(reply.body.error)).toContain('MAX_BODY');
  });

  it('answers 413 to a chunked body (no Content-Length) that grows past MAX_BODY', async () => {
    const chunk = new TextEncoder().encode('"' + 'x'.repeat(16_000));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0) controller.enqueue(new TextEncoder().encode('{"initial_data":{"message":'));
        if (sent++ < 8) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const reply = await rawPost('/api/v1/jobs/sec_echo', stream);
    expect(reply.status).toBe(413);
    expect(String(reply.body.error)).toContain('MAX_BODY');
  });

  it('answers 400 JSON_TOO_DEEP to a body nested 65 levels, and accepts 64', async () => {
    const deep = await rawPost('/api/v1/jobs/sec_echo', nestedJson(65));
    expect(deep.status).toBe(400);
    expect(deep.body).toMatchObject({ code: 'JSON_TOO_DEEP' });
    expect(String(deep.body.error)).toMatch(/65 levels deep; at most 64/);
    // {"initial_data": {"message": "x", "a": {...}}}: 64 levels in all.
    const ok = await rawPost('/api/v1/jobs/sec_echo', `{"initial_data":{"message":"x","a":${nestedJson(62)}}}`);
    expect(ok.status).toBe(202);
  });

  it('answers 400 (not a crash) to 30,000 levels of nesting within MAX_BODY', async () => {
    const reply = await rawPost('/api/v1/jobs/sec_echo', '['.repeat(30_000) + ']'.repeat(30_000));
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ code: 'JSON_TOO_DEEP' });
    expect((await fetch(`${server.url}/_public/status`)).status).toBe(200);
  });
});

describe('MAX_FAN_OUT', () => {
  it('fails a job whose for_each gives more items than MAX_FAN_OUT, naming the limit', async () => {
    const jobId = await server.createJob('sec_fanout', { items: [1, 2, 3, 4, 5, 6] });
    const job = await server.waitForJob(jobId);
    expect(job.status).toBe('failed');
    expect(job.error).toMatchObject({ code: 'FAN_OUT_LIMIT' });
    expect(job.error?.message).toMatch(/6 items, more than MAX_FAN_OUT \(5\)/);
  });

  it('runs a for_each of exactly MAX_FAN_OUT items', async () => {
    const worker = new HttpWorker(server, 'fan-ok', ['sec.echo']);
    worker.serve((task) => ({ data: { echoed: task.params.item } }));
    try {
      const jobId = await server.createJob('sec_fanout', { items: [1, 2, 3, 4, 5] });
      const job = await server.waitForJob(jobId);
      expect(job).toMatchObject({ status: 'finished', result: 5 });
    } finally {
      await worker.stop();
    }
  });
});

describe('MAX_JOB_DATA', () => {
  it('fails a job whose state_history grows past MAX_JOB_DATA, long before its own loop would end', async () => {
    const jobId = await server.createJob('sec_grow');
    const job = await server.waitForJob(jobId);
    expect(job.status).toBe('failed');
    expect(job.error).toMatchObject({ code: 'JOB_DATA_LIMIT' });
    expect(job.error?.message).toMatch(/more than MAX_JOB_DATA \(20480 bytes\)/);
    const turns = (job.state_history as { turns: number }).turns;
    // 1,000 bytes a turn against 20 KiB: it stops at the 21st turn, not the 200th the blueprint asks for.
    expect(turns).toBeGreaterThanOrEqual(20);
    expect(turns).toBeLessThanOrEqual(21);
  });

  it('counts the results of parallel branches still waiting to be written into state_history', async () => {
    const worker = new HttpWorker(server, 'fan-big', ['sec.echo']);
    worker.serve(() => ({ data: { blob: 'y'.repeat(6000) } }));
    try {
      const jobId = await server.createJob('sec_fanout', { items: [1, 2, 3, 4, 5] });
      const job = await server.waitForJob(jobId);
      expect(job.status).toBe('failed');
      expect(job.error).toMatchObject({ code: 'JOB_DATA_LIMIT', state: 'each' });
    } finally {
      await worker.stop();
    }
  });
});

describe('expressions', () => {
  const cases = [
    ['recursion', 'D1011'],
    ['endless', 'D1012'],
    ['range', 'D2014'],
    ['sequence', 'D2015'],
  ] as const;
  for (const [kind, code] of cases) {
    it(`fails a job whose expression runs away (${kind}) with EXPRESSION_ERROR ${code}, within 3 s`, async () => {
      const started = Date.now();
      const jobId = await server.createJob('sec_expression', { kind });
      const job = await server.waitForJob(jobId);
      expect(job.status).toBe('failed');
      expect(job.error).toMatchObject({ code: 'EXPRESSION_ERROR', state: kind });
      expect(job.error?.message).toContain(`(${code})`);
      expect(Date.now() - started).toBeLessThan(3000);
    });
  }

  it('keeps answering other requests while a runaway expression is stopped', async () => {
    const creating = Promise.all([1, 2].map(() => server.createJob('sec_expression', { kind: 'endless' })));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    const status = await fetch(`${server.url}/_public/status`);
    expect(status.status).toBe(200);
    // Each evaluation holds the event loop at most its 1 s timebox: two of them, 2 s (plus a loaded machine's slack).
    expect(Date.now() - started).toBeLessThan(4000);
    for (const jobId of await creating) expect((await server.waitForJob(jobId)).status).toBe('failed');
  });
});
