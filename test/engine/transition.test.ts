import { afterEach, describe, expect, it, vi } from 'vitest';
import { retryDelayMs } from '../../src/engine/backoff.js';
import { newJobRecord, transition } from '../../src/engine/transition.js';
import { compileOne, context, T0 } from './fixtures.js';
import { PureSim } from './pure-sim.js';

const pipeline = compileOne(`
name: pipeline
start: work
states:
  work:
    type: task
    task: image.resize
    params:
      url: \${ initial_data.url }
      width: 512
    priority: 5
    timeout: 10s
    dispatch_timeout: 1m
    retry: { max_attempts: 3, backoff: 2s, max_backoff: 1m }
    requires: { gpu: { model: A100 } }
    transitions:
      success: done
      needs_review: review
      failure: broken
  review:
    type: end
    status: failed
    error: needs review
  broken:
    type: end
    status: failed
  done:
    type: end
    result: '\${ {"url": state_history.url, "size": state_history.size} }'
`);

const bare = compileOne(`
name: bare
start: work
states:
  work:
    type: task
    task: echo
    transitions: { success: done }
  done: { type: end }
`);

describe('transition: task state', () => {
  it('queues a task with evaluated params, priority and requires, and waits for a worker', async () => {
    const sim = new PureSim(pipeline, { url: 'http://x/a.png' });
    await sim.start();
    expect(sim.job.status).toBe('waiting_for_worker');
    expect(sim.job.current_state).toBe('work');
    expect(sim.task).toMatchObject({
      type: 'image.resize',
      params: { url: 'http://x/a.png', width: 512 },
      priority: 5,
      requires: { gpu: { model: 'A100' } },
      attempt: 1,
      timeout_ms: 10_000,
    });
    expect(sim.events()).toEqual(['job_created', 'state_entered', 'task_queued']);
    expect(sim.timer('dispatch_timeout').due).toBe(T0 + 60_000);
  });

  it('remembers the blueprint version the job started on', async () => {
    const sim = new PureSim(pipeline);
    await sim.start();
    expect(sim.job.blueprint_version).toBe(pipeline.version);
    expect(sim.job.version).toBe(1);
  });

  it('merges result data into state_history and follows transitions.success', async () => {
    const sim = new PureSim(pipeline, { url: 'u' });
    sim.job.state_history = { kept: true, size: 0 };
    await sim.start();
    const r = await sim.complete({ data: { url: 'out.png', size: 42 } });
    expect(r.reply).toBe('result_accepted_success');
    expect(sim.job.status).toBe('finished');
    expect(sim.job.state_history).toEqual({ kept: true, url: 'out.png', size: 42 });
    expect(sim.job.result).toEqual({ url: 'out.png', size: 42 });
    expect(sim.events().slice(-3)).toEqual(['task_result', 'state_entered', 'job_finished']);
  });

  it('routes a custom status through its transition', async () => {
    const sim = new PureSim(pipeline);
    await sim.start();
    await sim.complete({ status: 'needs_review', data: { note: 'big' } });
    expect(sim.job.current_state).toBe('review');
    expect(sim.job.state_history.note).toBe('big');
    expect(sim.job.error).toMatchObject({ message: 'needs review', state: 'review' });
  });

  it('cancels the job when the worker answers cancelled and the state does not map it', async () => {
    const sim = new PureSim(pipeline);
    await sim.start();
    const r = await sim.complete({ status: 'cancelled' });
    expect(r.reply).toBe('result_accepted_cancelled');
    expect(sim.job.status).toBe('cancelled');
  });

  it('fails the job naming a status that its transitions do not map', async () => {
    const sim = new PureSim(pipeline);
    await sim.start();
    await sim.complete({ status: 'teleported' });
    expect(sim.job.status).toBe('failed');
    expect(sim.job.error?.code).toBe('UNMAPPED_STATUS');
    expect(sim.job.error?.message).toContain('"teleported"');
    expect(sim.job.error?.state).toBe('work');
  });

  it('retries a TRANSIENT_ERROR after an exponential backoff with injected jitter', async () => {
    const sim = new PureSim(pipeline);
    sim.random = 0;
    await sim.start();
    const first = sim.task.task_id;
    await sim.complete({ status: 'failure', error: { code: 'TRANSIENT_ERROR', message: 'flaky' } });
    expect(sim.job.status).toBe('waiting_for_worker');
    expect(sim.tasks).toEqual([]);
    const retry = sim.timer('retry');
    expect(retry.due - sim.now).toBe(1000); // 2s nominal, half fixed + half * random(0)
    await sim.fire(retry);
    expect(sim.task.attempt).toBe(2);
    expect(sim.task.task_id).not.toBe(first);
    sim.random = 1;
    await sim.complete({ status: 'failure', error: { code: 'TRANSIENT_ERROR', message: 'flaky' } });
    expect(sim.timer('retry').due - sim.now).toBe(4000); // 4s nominal, random(1)
    expect(sim.events().filter((e) => e === 'task_retry')).toHaveLength(2);
  });

  it('treats a failure without a code as TRANSIENT_ERROR', async () => {
    const sim = new PureSim(pipeline);
    await sim.start();
    await sim.complete({ status: 'failure' });
    expect(sim.timer('retry').payload).toEqual({ branch: null, attempt: 2 });
  });

  it('treats a TRANSIENT_ERROR as permanent once max_attempts are used', async () => {
    const sim = new PureSim(pipeline);
    await sim.start();
    for (let attempt = 1; attempt <= 3; attempt++) {
      expect(sim.task.attempt).toBe(attempt);
      await sim.complete({ status: 'failure', error: { code: 'TRANSIENT_ERROR', message: 'still flaky' } });
      if (attempt < 3) await sim.fire(sim.timer('retry'));
    }
    expect(sim.job.current_state).toBe('broken');
    expect(sim.job.status).toBe('failed');
  });

  it('quarantines the job after the last transient failure when there is no failure transition', async () => {
    const sim = new PureSim(bare);
    await sim.start();
    for (let attempt = 1; attempt <= 3; attempt++) {
      await sim.complete({ status: 'failure', error: { message: 'flaky' } });
      if (attempt < 3) await sim.fire(sim.timer('retry'));
    }
    expect(sim.job.status).toBe('quarantined');
    expect(sim.job.error).toEqual({ code: 'TRANSIENT_ERROR', message: 'flaky', state: 'work' });
    expect(sim.events().at(-1)).toBe('job_quarantined');
  });

  it('sends a PERMANENT_ERROR to transitions.failure at once', async () => {
    const sim = new PureSim(pipeline);
    await sim.start();
    await sim.complete({ status: 'failure', error: { code: 'PERMANENT_ERROR', message: 'corrupt' } });
    expect(sim.job.current_state).toBe('broken');
    expect(sim.events()).not.toContain('task_retry');
  });

  it('quarantines on a PERMANENT_ERROR without transitions.failure', async () => {
    const sim = new PureSim(bare);
    await sim.start();
    await sim.complete({ status: 'failure', error: { code: 'PERMANENT_ERROR', message: 'corrupt' } });
    expect(sim.job.status).toBe('quarantined');
    expect(sim.job.error).toEqual({ code: 'PERMANENT_ERROR', message: 'corrupt', state: 'work' });
  });

  it('fails the job at once on INVALID_INPUT_ERROR, even with a failure transition', async () => {
    const sim = new PureSim(pipeline);
    await sim.start();
    await sim.complete({ status: 'failure', error: { code: 'INVALID_INPUT_ERROR', message: 'bad url' } });
    expect(sim.job.status).toBe('failed');
    expect(sim.job.error).toEqual({ code: 'INVALID_INPUT_ERROR', message: 'bad url', state: 'work' });
  });

  it('answers a result from a worker that does not hold the lease with 403, changing nothing', async () => {
    const sim = new PureSim(pipeline);
    await sim.start();
    const task = sim.lease(sim.task.task_id, 'w1');
    const before = structuredClone(sim.job);
    await expect(sim.result(task.task_id, {}, 'w2')).rejects.toMatchObject({ status: 403 });
    expect(sim.job).toEqual(before);
  });

  it('answers 403 to a result for a task that no worker has taken yet', async () => {
    const sim = new PureSim(pipeline);
    await sim.start();
    await expect(sim.result(sim.task.task_id, {})).rejects.toMatchObject({ status: 403 });
  });

  it('answers 409 to a result for an unknown task id', async () => {
    const sim = new PureSim(pipeline);
    await sim.start();
    await expect(sim.result('no-such-task', {})).rejects.toMatchObject({ status: 409 });
  });

  it('gives an identical repeat of an applied result the same reply and changes nothing', async () => {
    const sim = new PureSim(pipeline);
    await sim.start();
    const task = sim.lease(sim.task.task_id);
    await sim.result(task.task_id, { data: { size: 1 } });
    const after = structuredClone(sim.job);
    const again = await sim.result(task.task_id, { data: { size: 1 } });
    expect(again).toMatchObject({ changed: false, reply: 'result_accepted_success' });
    expect(sim.job).toEqual(after);
  });

  it('answers 409 to a different result for a task whose result was applied', async () => {
    const sim = new PureSim(pipeline);
    await sim.start();
    const task = sim.lease(sim.task.task_id);
    await sim.result(task.task_id, { data: { size: 1 } });
    await expect(sim.result(task.task_id, { data: { size: 2 } })).rejects.toMatchObject({ status: 409 });
  });

  it('fails with DISPATCH_TIMEOUT to transitions.failure when nobody took the task in time', async () => {
    const sim = new PureSim(pipeline);
    await sim.start();
    await sim.fire(sim.timer('dispatch_timeout'));
    expect(sim.tasks).toEqual([]);
    expect(sim.job.current_state).toBe('broken');
    expect(sim.events()).toContain('task_timeout');
  });

  it('fails the job (not quarantine) on DISPATCH_TIMEOUT without a failure transition', async () => {
    const sim = new PureSim(
      compileOne(`
name: quick
start: work
states:
  work: { type: task, task: echo, dispatch_timeout: 5s, transitions: { success: done } }
  done: { type: end }
`),
    );
    await sim.start();
    await sim.fire(sim.timer('dispatch_timeout'));
    expect(sim.job.status).toBe('failed');
    expect(sim.job.error?.code).toBe('DISPATCH_TIMEOUT');
  });

  it('ignores a dispatch timeout for a task a worker has taken', async () => {
    const sim = new PureSim(pipeline);
    await sim.start();
    const dispatch = sim.timer('dispatch_timeout');
    sim.lease(sim.task.task_id);
    const r = await sim.fire(dispatch);
    expect(r.changed).toBe(false);
    expect(r.effects.clear_timers).toEqual([dispatch.id]);
  });

  it('requires the task to be still queued when committing a dispatch timeout', async () => {
    const sim = new PureSim(pipeline);
    await sim.start();
    const r = await sim.fire(sim.timer('dispatch_timeout'));
    expect(r.effects.expect_tasks).toEqual([{ task_id: expect.any(String), status: 'queued' }]);
  });

  it('turns a passed result timeout into a TIMEOUT_ERROR retry, telling the worker to stop', async () => {
    const sim = new PureSim(pipeline);
    await sim.start();
    const task = sim.lease(sim.task.task_id);
    const r = await sim.fire(sim.timer('lease_timeout'));
    expect(r.effects.withdraw).toEqual([{ task_id: task.task_id, reason: 'cancelled' }]);
    expect(sim.history.find((e) => e.event_type === 'task_retry')?.error).toMatchObject({ code: 'TIMEOUT_ERROR' });
    await sim.fire(sim.timer('retry'));
    expect(sim.task.attempt).toBe(2);
    await expect(sim.result(task.task_id, {})).rejects.toMatchObject({ status: 409 });
  });

  it('re-queues at once, as a new attempt, a task whose worker expired', async () => {
    const sim = new PureSim(pipeline);
    await sim.start();
    const task = sim.lease(sim.task.task_id, 'gone');
    await sim.fire({ id: `${task.task_id}:lost`, kind: 'lease_lost', job_id: 'job-1', due: sim.now, entry: task.entry, task_id: task.task_id, payload: { worker_id: 'gone' } });
    const retry = sim.timer('retry');
    expect(retry.due).toBe(sim.now);
    await sim.fire(retry);
    expect(sim.task).toMatchObject({ attempt: 2, status: 'queued' });
  });
});

describe('transition: purity', () => {
  afterEach(() => vi.restoreAllMocks());

  it('answers the same for the same input whatever the wall clock says, and reads no randomness', async () => {
    // JSONata reads Date.now for its own evaluation time limit, so the test pins the answer, not the calls.
    const random = vi.spyOn(Math, 'random');
    const job = newJobRecord({ id: 'j', blueprint: 'pipeline', blueprint_version: 1, client_id: 'c', initial_data: { url: 'u' }, webhook_url: null, parent: null, now: T0 });
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const a = await transition(pipeline, job, { type: 'start' }, context());
    vi.setSystemTime(new Date('2040-06-01T00:00:00Z'));
    const b = await transition(pipeline, job, { type: 'start' }, context());
    vi.useRealTimers();
    expect(a).toEqual(b);
    expect(a.job.updated_at).toBe(T0);
    expect(job.version).toBe(0);
    expect(random).not.toHaveBeenCalled();
  });

  it('computes retry delays within [nominal/2, nominal], capped by max_backoff', () => {
    const retry = { maxAttempts: 10, backoffMs: 1000, maxBackoffMs: 5000 };
    expect(retryDelayMs(retry, 1, 0)).toBe(500);
    expect(retryDelayMs(retry, 1, 0.999999)).toBe(1000);
    expect(retryDelayMs(retry, 3, 0)).toBe(2000);
    expect(retryDelayMs(retry, 8, 0.5)).toBe(3750);
  });
});
