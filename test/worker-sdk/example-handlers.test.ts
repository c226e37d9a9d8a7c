import { describe, expect, it } from 'vitest';
import { echo, fail, sleep } from '../../src/worker-sdk/example-handlers.js';
import { InvalidInputError, PermanentError, TaskAbortedError, TaskError, TransientError, silentLogger } from '../../src/worker-sdk/index.js';
import type { Task, TaskContext } from '../../src/worker-sdk/index.js';

function task(type: string, params: Record<string, unknown>, attempt = 1): Task {
  return { job_id: 'j', task_id: 't', type, params, priority: 0, attempt, deadline: null, tracing_context: {}, params_metadata: {} };
}

function context(signal = new AbortController().signal): TaskContext & { reported: number[] } {
  const reported: number[] = [];
  return { signal, progress: (value) => reported.push(value), attempt: 1, jobId: 'j', taskId: 't', workerId: 'w', logger: silentLogger, reported };
}

describe('echo', () => {
  it('returns its params as data', async () => {
    expect(await echo(task('echo', { a: 1, b: [2] }), context())).toEqual({ data: { a: 1, b: [2] } });
  });
});

describe('sleep', () => {
  it('waits params.ms and reports progress up to 1', async () => {
    const ctx = context();
    const began = Date.now();
    expect(await sleep(task('sleep', { ms: 200 }), ctx)).toEqual({ data: { slept_ms: 200 } });
    expect(Date.now() - began).toBeGreaterThanOrEqual(190);
    expect(ctx.reported.length).toBeGreaterThan(1);
    expect(ctx.reported.at(-1)).toBe(1);
  });

  it('ends at once with the signal reason when aborted', async () => {
    const controller = new AbortController();
    const running = sleep(task('sleep', { seconds: 30 }), context(controller.signal));
    setTimeout(() => controller.abort(new TaskAbortedError('cancelled')), 50);
    await expect(running).rejects.toBeInstanceOf(TaskAbortedError);
  });

  it('rejects a negative duration as invalid input', async () => {
    await expect(sleep(task('sleep', { ms: -5 }), context())).rejects.toBeInstanceOf(InvalidInputError);
  });
});

describe('fail', () => {
  it.each([
    [undefined, TransientError],
    ['transient', TransientError],
    ['permanent', PermanentError],
    ['PERMANENT_ERROR', PermanentError],
    ['invalid_input', InvalidInputError],
  ])('throws the class named by code %s', (code, errorClass) => {
    expect(() => fail(task('fail', code === undefined ? {} : { code }), context())).toThrow(errorClass);
  });

  it('throws a TaskError with any other code as given', () => {
    let thrown: unknown;
    try {
      fail(task('fail', { code: 'QUOTA_EXCEEDED' }), context());
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TaskError);
    expect((thrown as TaskError).code).toBe('QUOTA_EXCEEDED');
  });

  it('fails only the first fail_times attempts', () => {
    expect(() => fail(task('fail', { fail_times: 2 }, 2), context())).toThrow(TransientError);
    expect(fail(task('fail', { fail_times: 2 }, 3), context())).toEqual({ data: { succeeded_on_attempt: 3 } });
  });
});
