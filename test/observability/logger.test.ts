import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, REDACTED, withIds, type LogLevel } from '../../src/observability/logger.js';

/** A logger whose lines are collected as parsed JSON objects. */
function capture(level: LogLevel = 'info', pretty = false): { lines: Record<string, unknown>[]; raw: string[]; logger: ReturnType<typeof createLogger> } {
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const logger = createLogger({ level, pretty, destination });
  return {
    raw,
    logger,
    get lines() {
      return raw.map((line) => JSON.parse(line) as Record<string, unknown>);
    },
  };
}

describe('createLogger', () => {
  it('writes one JSON object per line with a level name, an ISO time and the message', () => {
    const out = capture();
    out.logger.info({ blueprint: 'shop' }, 'job created');
    expect(out.lines).toHaveLength(1);
    expect(out.lines[0]).toMatchObject({ level: 'info', msg: 'job created', blueprint: 'shop', service: 'switchyard' });
    expect(String(out.lines[0]!.time)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('drops lines below the configured level', () => {
    const out = capture('warn');
    out.logger.info('quiet');
    out.logger.warn('loud');
    expect(out.lines.map((l) => l.msg)).toEqual(['loud']);
  });

  it('censors the token headers and Authorization of a logged request', () => {
    const out = capture();
    const headers = { 'x-client-token': 'c-secret', 'x-worker-token': 'w-secret', authorization: 'Bearer b-secret', host: 'h' };
    out.logger.info({ req: { method: 'GET', headers } }, 'request');
    expect(out.raw.join('\n')).not.toMatch(/c-secret|w-secret|b-secret/);
    expect(out.lines[0]).toMatchObject({ req: { headers: { 'x-client-token': REDACTED, authorization: REDACTED, host: 'h' } } });
  });

  it('censors a token field at the top level and nested in objects and arrays', () => {
    const out = capture();
    out.logger.info(
      { token: 'sec-0', config: { client_token: 'sec-1', workers: [{ worker_id: 'w', token: 'sec-2' }] }, a: { b: { c: { token: 'sec-3' } } } },
      'config loaded',
    );
    expect(out.raw.join('\n')).not.toMatch(/sec-\d/);
    expect(out.lines[0]).toMatchObject({ config: { workers: [{ worker_id: 'w', token: REDACTED }] } });
  });

  it('censors tokens bound to a child logger', () => {
    const out = capture();
    out.logger.child({ token: 'bound-secret' }).info('hello');
    expect(out.raw.join('\n')).not.toContain('bound-secret');
  });
});

describe('the pretty form', () => {
  it('writes a human line with the message and the ids, not JSON, and still censors tokens', async () => {
    const out = capture('info', true);
    withIds(out.logger, { job_id: 'job-42' }).info({ token: 'pretty-secret' }, 'job finished');
    await new Promise((resolve) => setImmediate(resolve));
    const text = out.raw.join('\n');
    expect(text).toContain('job finished');
    expect(text).toContain('job-42');
    expect(text).not.toContain('pretty-secret');
    expect(() => JSON.parse(out.raw[0] ?? '')).toThrow();
  });
});

describe('withIds', () => {
  it('puts job_id, task_id and worker_id on every line of the child logger', () => {
    const out = capture();
    const log = withIds(out.logger, { job_id: 'j1', task_id: 't1', worker_id: 'w1' });
    log.info('leased');
    log.warn('late');
    for (const line of out.lines) expect(line).toMatchObject({ job_id: 'j1', task_id: 't1', worker_id: 'w1' });
  });

  it('leaves out ids that are not given', () => {
    const out = capture();
    withIds(out.logger, { job_id: 'j1', task_id: undefined }).info('created');
    expect(out.lines[0]).toHaveProperty('job_id', 'j1');
    expect(out.lines[0]).not.toHaveProperty('task_id');
  });
});
