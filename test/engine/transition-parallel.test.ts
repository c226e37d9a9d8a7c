import { describe, expect, it } from 'vitest';
import { compileOne } from './fixtures.js';
import { PureSim } from './pure-sim.js';

const fanOut = compileOne(`
name: fan_out
start: tag_all
states:
  tag_all:
    type: parallel
    for_each: \${ initial_data.tags }
    as: tag
    task: image.tag
    params: { tag: '\${ tag }', url: '\${ initial_data.url }' }
    max_concurrency: 2
    into: tagging
    next: done
  done: { type: end, result: '\${ state_history.tagging }' }
`);

const branches = (onFailure: 'fail' | 'continue') =>
  compileOne(`
name: static_${onFailure}
start: both
states:
  both:
    type: parallel
    on_failure: ${onFailure}
    branches:
      - { name: left, task: a, params: { side: left }, retry: { max_attempts: 1 } }
      - { name: right, task: b, params: { side: right } }
      - { name: middle, task: c }
    next: done
  done: { type: end }
`);

const leaseAll = (sim: PureSim) => sim.tasks.filter((t) => t.status === 'queued').map((t) => sim.lease(t.task_id, `w-${t.task_id}`));

describe('transition: parallel', () => {
  it('queues one task per for_each item with the item under its `as` name, up to max_concurrency', async () => {
    const sim = new PureSim(fanOut, { tags: ['a', 'b', 'c'], url: 'u' });
    await sim.start();
    expect(sim.job.status).toBe('waiting_for_parallel');
    expect(sim.tasks.map((t) => t.params)).toEqual([
      { tag: 'a', url: 'u' },
      { tag: 'b', url: 'u' },
    ]);
  });

  it('queues the next pending branch as one ends', async () => {
    const sim = new PureSim(fanOut, { tags: ['a', 'b', 'c'], url: 'u' });
    await sim.start();
    const [first] = leaseAll(sim);
    await sim.result(first!.task_id, { data: { n: 1 } }, first!.worker_id!);
    expect(sim.tasks.map((t) => t.params.tag)).toEqual(['b', 'c']);
    expect(sim.last.reply).toBe('parallel_branch_result_accepted');
  });

  it('keeps the results in item order whatever order they arrive in', async () => {
    const sim = new PureSim(fanOut, { tags: ['a', 'b', 'c'], url: 'u' });
    await sim.start();
    let leased = leaseAll(sim);
    await sim.result(leased[1]!.task_id, { data: { tag: 'B' } }, leased[1]!.worker_id!);
    leased = leaseAll(sim);
    await sim.result(leased[0]!.task_id, { data: { tag: 'C' } }, leased[0]!.worker_id!);
    const a = sim.tasks[0]!;
    await sim.result(a.task_id, { status: 'tagged', data: { tag: 'A' } }, a.worker_id!);
    expect(sim.job.status).toBe('finished');
    expect(sim.job.state_history.tagging).toEqual([
      { status: 'tagged', data: { tag: 'A' }, error: null },
      { status: 'success', data: { tag: 'B' }, error: null },
      { status: 'success', data: { tag: 'C' }, error: null },
    ]);
  });

  it('goes straight to next with an empty list for an empty for_each', async () => {
    const sim = new PureSim(fanOut, { tags: [], url: 'u' });
    await sim.start();
    expect(sim.job.status).toBe('finished');
    expect(sim.job.result).toEqual([]);
  });

  it('fails the job when for_each gives more items than MAX_FAN_OUT', async () => {
    const sim = new PureSim(fanOut, { tags: ['a', 'b', 'c'], url: 'u' });
    sim.maxFanOut = 2;
    await sim.start();
    expect(sim.job.error).toMatchObject({ code: 'FAN_OUT_LIMIT', state: 'tag_all' });
    expect(sim.tasks).toEqual([]);
  });

  it('fails the job when for_each does not give an array', async () => {
    const sim = new PureSim(fanOut, { tags: 'abc', url: 'u' });
    await sim.start();
    expect(sim.job.status).toBe('failed');
    expect(sim.job.error?.message).toContain('not an array');
  });

  it('runs static branches at once and stores results in parallel_results by default', async () => {
    const sim = new PureSim(branches('fail'));
    await sim.start();
    expect(sim.tasks.map((t) => [t.type, t.params])).toEqual([
      ['a', { side: 'left' }],
      ['b', { side: 'right' }],
      ['c', {}],
    ]);
    for (const task of leaseAll(sim)) await sim.result(task.task_id, { data: { t: task.type } }, task.worker_id!);
    expect(sim.job.state_history.parallel_results).toEqual([
      { status: 'success', data: { t: 'a' }, error: null },
      { status: 'success', data: { t: 'b' }, error: null },
      { status: 'success', data: { t: 'c' }, error: null },
    ]);
  });

  it('with on_failure fail, cancels the other branches and fails the job on a branch failing for good', async () => {
    const sim = new PureSim(branches('fail'));
    await sim.start();
    const [left, right, middle] = leaseAll(sim);
    await sim.result(left!.task_id, { status: 'failure', error: { code: 'PERMANENT_ERROR', message: 'nope' } }, left!.worker_id!);
    expect(sim.job.status).toBe('failed');
    expect(sim.job.error?.message).toContain('branch left failed with PERMANENT_ERROR: nope');
    expect(sim.last.effects.withdraw).toEqual(
      expect.arrayContaining([
        { task_id: right!.task_id, reason: 'cancelled' },
        { task_id: middle!.task_id, reason: 'cancelled' },
      ]),
    );
  });

  it('with on_failure continue, keeps the failed result and goes on', async () => {
    const sim = new PureSim(branches('continue'));
    await sim.start();
    const [left, right, middle] = leaseAll(sim);
    await sim.result(left!.task_id, { status: 'failure', error: { code: 'TRANSIENT_ERROR', message: 'flaky' } }, left!.worker_id!);
    await sim.result(right!.task_id, {}, right!.worker_id!);
    await sim.result(middle!.task_id, {}, middle!.worker_id!);
    expect(sim.job.status).toBe('finished');
    expect(sim.job.state_history.parallel_results).toEqual([
      { status: 'failure', data: null, error: { code: 'TRANSIENT_ERROR', message: 'flaky' } },
      { status: 'success', data: null, error: null },
      { status: 'success', data: null, error: null },
    ]);
  });

  it('retries a branch that failed transiently while its attempts last', async () => {
    const sim = new PureSim(branches('fail'));
    await sim.start();
    const [, right] = leaseAll(sim);
    await sim.result(right!.task_id, { status: 'failure', error: { message: 'flaky' } }, right!.worker_id!);
    expect(sim.job.status).toBe('waiting_for_parallel');
    await sim.fire(sim.timer('retry'));
    const again = sim.tasks.find((t) => t.type === 'b')!;
    expect(again.attempt).toBe(2);
    expect(again.task_id).not.toBe(right!.task_id);
  });
});
