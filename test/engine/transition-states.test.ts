import { describe, expect, it } from 'vitest';
import { compileOne, T0 } from './fixtures.js';
import { PureSim } from './pure-sim.js';

const flow = compileOne(`
name: flow
start: decide
states:
  decide:
    type: choice
    choices:
      - when: \${ initial_data.n > 10 }
        next: big
      - when: \${ initial_data.n > 5 }
        next: medium
    otherwise: small
  big:
    type: set
    values: { size: big, doubled: '\${ initial_data.n * 2 }' }
    next: done
  medium:
    type: set
    values: { size: medium }
    next: done
  small:
    type: set
    values: { size: small }
    next: done
  done:
    type: end
    result: \${ state_history }
`);

describe('transition: choice and set', () => {
  it('takes the first choice whose condition is true and writes set values keeping their types', async () => {
    const sim = new PureSim(flow, { n: 20 });
    await sim.start();
    expect(sim.job.status).toBe('finished');
    expect(sim.job.result).toEqual({ size: 'big', doubled: 40 });
    expect(sim.job.visited).toEqual(['decide', 'big', 'done']);
  });

  it('checks choices in order', async () => {
    const sim = new PureSim(flow, { n: 7 });
    await sim.start();
    expect(sim.job.state_history.size).toBe('medium');
  });

  it('takes otherwise when no condition holds', async () => {
    const sim = new PureSim(flow, { n: 1 });
    await sim.start();
    expect(sim.job.state_history.size).toBe('small');
  });

  it('fails the job naming the state and the expression when an expression throws', async () => {
    const sim = new PureSim(
      compileOne(`
name: broken_expr
start: decide
states:
  decide:
    type: choice
    choices:
      - when: \${ $number("not a number") > 1 }
        next: done
    otherwise: done
  done: { type: end }
`),
    );
    await sim.start();
    expect(sim.job.status).toBe('failed');
    expect(sim.job.error?.code).toBe('EXPRESSION_ERROR');
    expect(sim.job.error?.state).toBe('decide');
    expect(sim.job.error?.message).toContain('state "decide"');
    expect(sim.job.error?.message).toContain('$number("not a number")');
  });

  it('records a state_entered event for every state and counts edges', async () => {
    const sim = new PureSim(flow, { n: 1 });
    await sim.start();
    expect(sim.history.filter((e) => e.event_type === 'state_entered').map((e) => e.state)).toEqual(['decide', 'small', 'done']);
    expect(sim.job.edge_counts).toEqual({ 'decide->small': 1, 'small->done': 1 });
  });
});

describe('transition: wait', () => {
  const waits = compileOne(`
name: waits
start: nap
states:
  nap: { type: wait, duration: 30s, next: later }
  later: { type: wait, until: '\${ initial_data.at }', next: done }
  done: { type: end }
`);

  it('sleeps for a duration on a timer and then goes on', async () => {
    const sim = new PureSim(waits, { at: new Date(T0 + 3_600_000).toISOString() });
    await sim.start();
    expect(sim.job.status).toBe('waiting');
    const timer = sim.timer('wait');
    expect(timer.due).toBe(T0 + 30_000);
    await sim.fire(timer);
    expect(sim.job.current_state).toBe('later');
    expect(sim.timer('wait').due).toBe(T0 + 3_600_000);
  });

  it('goes straight on when the until time has passed', async () => {
    const sim = new PureSim(waits, { at: new Date(T0 - 1).toISOString() });
    await sim.start();
    await sim.fire(sim.timer('wait'));
    expect(sim.job.status).toBe('finished');
  });

  it('fails the job when until is not a time', async () => {
    const sim = new PureSim(waits, { at: 'someday' });
    await sim.start();
    await sim.fire(sim.timer('wait'));
    expect(sim.job.status).toBe('failed');
    expect(sim.job.error?.message).toContain('not an ISO 8601 time');
  });

  it('ignores a wait timer of an earlier entry', async () => {
    const sim = new PureSim(waits, { at: new Date(T0 + 10).toISOString() });
    await sim.start();
    const stale = { ...sim.timer('wait'), entry: 0 };
    expect((await sim.fire(stale)).changed).toBe(false);
  });
});

describe('transition: approval', () => {
  const approval = compileOne(`
name: approve
start: review
states:
  review:
    type: approval
    message: '\${ "Publish " & initial_data.url & "?" }'
    timeout: 1h
    transitions: { approved: done, rejected: no, timeout: no }
  done: { type: end }
  no: { type: end, status: failed, error: rejected }
`);

  it('waits for a human with the decisions and the evaluated message', async () => {
    const sim = new PureSim(approval, { url: 'a.png' });
    await sim.start();
    expect(sim.job.status).toBe('waiting_for_human');
    expect(sim.job.active).toMatchObject({ kind: 'approval', decisions: ['approved', 'rejected', 'timeout'], message: 'Publish a.png?' });
  });

  it('follows the decision, records it, and clears the timeout', async () => {
    const sim = new PureSim(approval, { url: 'a' });
    await sim.start();
    const timer = sim.timer('approval_timeout');
    await sim.apply({ type: 'decision', decision: 'approved' });
    expect(sim.job.status).toBe('finished');
    expect(sim.history.find((e) => e.event_type === 'approval_decided')?.decision).toBe('approved');
    expect(sim.last.effects.clear_timers).toContain(timer.id);
  });

  it('rejects an unknown decision with 400 listing the allowed ones', async () => {
    const sim = new PureSim(approval, { url: 'a' });
    await sim.start();
    await expect(sim.apply({ type: 'decision', decision: 'maybe' })).rejects.toMatchObject({
      status: 400,
      details: { allowed: ['approved', 'rejected', 'timeout'] },
    });
  });

  it('answers 409 to a decision for a job that is not waiting for one, before checking the decision', async () => {
    const sim = new PureSim(flow, { n: 1 });
    await sim.start();
    await expect(sim.apply({ type: 'decision', decision: 'anything' })).rejects.toMatchObject({ status: 409 });
  });

  it('takes the timeout transition when the timeout passes', async () => {
    const sim = new PureSim(approval, { url: 'a' });
    await sim.start();
    await sim.fire(sim.timer('approval_timeout'));
    expect(sim.job.current_state).toBe('no');
    expect(sim.history.find((e) => e.event_type === 'approval_decided')?.decision).toBe('timeout');
  });
});

describe('transition: blueprint (child job)', () => {
  const parent = compileOne(`
name: parent
start: call
states:
  call:
    type: blueprint
    blueprint: parent
    initial_data: { x: '\${ initial_data.x }' }
    transitions: { finished: done, failed: handle }
  done: { type: end, result: '\${ state_history.child_value }' }
  handle: { type: end, status: failed, error: child failed }
`);

  it('starts a child through a timer due now and waits for it', async () => {
    const sim = new PureSim(parent, { x: 3 });
    await sim.start();
    expect(sim.job.status).toBe('waiting_for_child');
    const start = sim.timer('start_child');
    expect(start.due).toBe(T0);
    expect(start.payload).toMatchObject({ blueprint: 'parent', initial_data: { x: 3 }, client_id: 'c1', parent_state: 'call' });
    expect(sim.job.child_job_ids).toEqual([start.payload.child_id]);
    expect(sim.events()).toContain('child_started');
  });

  const childEnded = (sim: PureSim, status: string, result: unknown = null, error: unknown = null) => {
    const childId = sim.job.child_job_ids[0]!;
    return sim.fire({
      id: `${childId}:ended`,
      kind: 'child_ended',
      job_id: sim.job.id,
      due: sim.now,
      entry: 0,
      task_id: null,
      payload: { child_id: childId, status, result: result as never, error: error as never },
    });
  };

  it('resumes on a finished child, merging its object result', async () => {
    const sim = new PureSim(parent, { x: 3 });
    await sim.start();
    await childEnded(sim, 'finished', { child_value: 9 });
    expect(sim.job.status).toBe('finished');
    expect(sim.job.result).toBe(9);
  });

  it('resumes on a failed child through transitions.failed', async () => {
    const sim = new PureSim(parent, { x: 3 });
    await sim.start();
    await childEnded(sim, 'failed', null, { code: 'X', message: 'boom' });
    expect(sim.job.current_state).toBe('handle');
  });

  it('fails the parent when the child ends in a way the state does not map', async () => {
    const sim = new PureSim(parent, { x: 3 });
    await sim.start();
    await childEnded(sim, 'quarantined', null, { code: 'PERMANENT_ERROR', message: 'bad' });
    expect(sim.job.status).toBe('failed');
    expect(sim.job.error?.message).toContain('ended quarantined');
    expect(sim.job.error?.message).toContain('transitions.quarantined');
  });

  it('wakes the parent with a child_ended timer when a child job ends', async () => {
    const child = new PureSim(flow, { n: 1 }, { parent: { job_id: 'p-1', state: 'call', entry: 4 } });
    await child.start();
    const ended = child.timer('child_ended');
    expect(ended).toMatchObject({ job_id: 'p-1', due: T0, payload: { child_id: 'job-1', status: 'finished', result: { size: 'small' } } });
  });
});

describe('transition: end, cancel, webhooks and the transition guard', () => {
  it('ends failed with the evaluated error message', async () => {
    const sim = new PureSim(
      compileOne(`
name: failing
start: stop
states:
  stop: { type: end, status: failed, error: '\${ "bad input " & initial_data.id }', result: { partial: true } }
`),
      { id: 7 },
    );
    await sim.start();
    expect(sim.job.status).toBe('failed');
    expect(sim.job.error).toEqual({ code: 'FAILED_BY_BLUEPRINT', message: 'bad input 7', state: 'stop' });
    expect(sim.job.result).toEqual({ partial: true });
    expect(sim.job.finished_at).toBe(T0);
  });

  it('stops a runaway loop after MAX_TRANSITIONS state entries', async () => {
    const sim = new PureSim(
      compileOne(`
name: loop
start: a
states:
  a: { type: set, values: { n: '\${ $exists(state_history.n) ? state_history.n + 1 : 1 }' }, next: b }
  b:
    type: choice
    choices: [{ when: '\${ state_history.n > 1000000 }', next: done }]
    otherwise: a
  done: { type: end }
`),
    );
    sim.maxTransitions = 50;
    await sim.start();
    expect(sim.job.status).toBe('failed');
    expect(sim.job.error?.code).toBe('MAX_TRANSITIONS');
    expect(sim.job.error?.message).toContain('more than 50 state entries');
    expect(sim.job.entries).toBe(51);
  });

  it('cancels a job: withdraws its tasks telling their workers, and answers 409 once ended', async () => {
    const sim = new PureSim(
      compileOne(`
name: work
start: t
states:
  t: { type: task, task: echo, transitions: { success: done } }
  done: { type: end }
`),
      {},
      { webhook_url: 'http://hook' },
    );
    await sim.start();
    const task = sim.lease(sim.task.task_id);
    await sim.apply({ type: 'cancel' });
    expect(sim.job.status).toBe('cancelled');
    expect(sim.last.effects.withdraw).toEqual([{ task_id: task.task_id, reason: 'cancelled' }]);
    expect(sim.events().at(-1)).toBe('job_cancelled');
    expect(sim.timer('webhook').payload.event).toBe('job_cancelled');
    await expect(sim.apply({ type: 'cancel' })).rejects.toMatchObject({ status: 409 });
    await expect(sim.result(task.task_id, {})).rejects.toMatchObject({ status: 409, message: expect.stringContaining('cancelled') });
  });

  it('cancels a running child job along with its parent', async () => {
    const sim = new PureSim(
      compileOne(`
name: p
start: call
states:
  call: { type: blueprint, blueprint: p, transitions: { finished: done } }
  done: { type: end }
`),
    );
    await sim.start();
    await sim.apply({ type: 'cancel' });
    expect(sim.timer('cancel_job').job_id).toBe(sim.job.child_job_ids[0]);
  });

  it('queues the job webhook with the documented body when the job ends', async () => {
    const sim = new PureSim(flow, { n: 1 }, { webhook_url: 'http://hook/x' });
    await sim.start();
    const hook = sim.timer('webhook');
    expect(hook.due).toBe(T0);
    expect(hook.payload).toMatchObject({ url: 'http://hook/x', event: 'job_finished', attempts: 0 });
    expect(JSON.parse(String(hook.payload.body))).toEqual({
      event: 'job_finished',
      job_id: 'job-1',
      status: 'finished',
      result: { size: 'small' },
      error: null,
      timestamp: new Date(T0).toISOString(),
    });
  });

  it('stores progress updates of the worker holding the task', async () => {
    const sim = new PureSim(
      compileOne(`
name: w
start: t
states:
  t: { type: task, task: echo, transitions: { success: done } }
  done: { type: end }
`),
    );
    await sim.start();
    const task = sim.lease(sim.task.task_id);
    await sim.apply({ type: 'progress', worker_id: 'w1', task_id: task.task_id, progress: 0.5, message: 'half' });
    expect(sim.job.progress).toEqual({ task_id: task.task_id, at: T0, progress: 0.5, message: 'half' });
    expect(sim.events().at(-1)).toBe('progress_update');
  });
});
