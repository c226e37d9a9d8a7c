import { afterEach, describe, expect, it } from 'vitest';
import { compileAll } from './fixtures.js';
import { never, recordingMetrics, startHarness, type Harness } from './engine-harness.js';

const blueprints = compileAll(
  `
name: single
start: work
states:
  work:
    type: task
    task: echo
    params: { text: '\${ initial_data.text }' }
    transitions: { success: done }
  done: { type: end, result: '\${ state_history }' }
`,
  `
name: prioritised
start: work
states:
  work:
    type: task
    task: rank
    priority: '\${ initial_data.p }'
    transitions: { success: done }
  done: { type: end }
`.replace("'${ initial_data.p }'", '0'),
  ...[0, 5, 9].map(
    (p) => `
name: prio_${p}
start: work
states:
  work: { type: task, task: rank, priority: ${p}, transitions: { success: done } }
  done: { type: end }
`,
  ),
  `
name: gpu_job
start: work
states:
  work:
    type: task
    task: render
    requires: { gpu: { model: A100, vram_gb: 40 }, models: [whisper-large] }
    transitions: { success: done }
  done: { type: end }
`,
  `
name: timed
start: work
states:
  work:
    type: task
    task: slow
    timeout: 10s
    retry: { max_attempts: 2, backoff: 1s }
    transitions: { success: done }
  done: { type: end }
`,
  `
name: fan
start: all
states:
  all:
    type: parallel
    for_each: \${ initial_data.items }
    as: item
    task: square
    params: { n: '\${ item }' }
    into: squares
    next: done
  done: { type: end, result: '\${ state_history.squares.data.n }' }
`,
  `
name: parent
start: call
states:
  call:
    type: blueprint
    blueprint: single
    initial_data: { text: '\${ initial_data.text }' }
    transitions: { finished: done, failed: bad, cancelled: bad }
  done: { type: end, result: '\${ state_history.text }' }
  bad: { type: end, status: failed }
`,
  `
name: approve
start: ask
states:
  ask:
    type: approval
    message: ok?
    transitions: { approved: done, rejected: no }
  done: { type: end }
  no: { type: end, status: failed }
`,
  `
name: timers
start: nap
states:
  nap: { type: wait, duration: 30s, next: ask }
  ask:
    type: approval
    timeout: 1h
    transitions: { approved: work, timeout: work }
  work:
    type: task
    task: nobody
    dispatch_timeout: 1m
    transitions: { success: done, failure: gave_up }
  done: { type: end }
  gave_up: { type: end, status: failed, error: nobody came }
`,
  `
name: looping
start: a
states:
  a: { type: set, values: { x: 1 }, next: b }
  b:
    type: choice
    choices: [{ when: '\${ state_history.x > 5 }', next: done }]
    otherwise: a
  done: { type: end }
`,
);

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const register = (id: string, tasks: string[], extra: Record<string, unknown> = {}) =>
  h.engine.registerWorker({ worker_id: id, supported_tasks: tasks, ...extra });
const poll = (id: string, timeoutMs = 0) => h.engine.nextTask(id, { timeoutMs, signal: never });
const create = (blueprint: string, initial_data: Record<string, unknown> = {}, extra: { client_id?: string; webhook_url?: string; idempotency_key?: string } = {}) =>
  h.engine.createJob({ blueprint, initial_data, client_id: 'client-a', ...extra });

describe('engine: a job from start to end', () => {
  it('runs a single-task job: create, poll, result, finished with its result and history', async () => {
    h = await startHarness(blueprints);
    await register('w1', ['echo']);
    const { job_id } = await create('single', { text: 'hi' });
    const task = await poll('w1');
    expect(task).toMatchObject({ job_id, type: 'echo', params: { text: 'hi' }, attempt: 1 });
    const reply = await h.engine.submitResult({ job_id, task_id: task!.task_id, worker_id: 'w1', status: 'success', data: { echoed: 'hi' } });
    expect(reply).toBe('result_accepted_success');
    const job = await h.engine.getJob(job_id, 'client-a');
    expect(job).toMatchObject({ status: 'finished', result: { echoed: 'hi' }, blueprint_version: 1, current_task: null });
    const events = (await h.engine.history(job_id, 'client-a')).map((e) => e.event_type);
    expect(events).toEqual(['job_created', 'state_entered', 'task_queued', 'task_leased', 'task_result', 'state_entered', 'job_finished']);
  });

  it('uses at most 6 store calls for a single-task job (create, claim, result)', async () => {
    h = await startHarness(blueprints);
    await register('w1', ['echo']);
    h.calls.clear();
    const { job_id } = await create('single', { text: 'hi' });
    const task = await poll('w1');
    await h.engine.submitResult({ job_id, task_id: task!.task_id, worker_id: 'w1', status: 'success' });
    await h.engine.idle();
    const total = [...h.calls.values()].reduce((sum, n) => sum + n, 0);
    expect(Object.fromEntries(h.calls)).toEqual({ 'jobs.commit': 2, 'tasks.claimNextTask': 1, 'jobs.load': 1 });
    expect(total).toBeLessThanOrEqual(6);
  });

  it('isolates clients: a job of another client is not found', async () => {
    h = await startHarness(blueprints);
    const { job_id } = await create('single', { text: 'x' });
    await expect(h.engine.getJob(job_id, 'client-b')).rejects.toMatchObject({ status: 404 });
    await expect(h.engine.history(job_id, 'client-b')).rejects.toMatchObject({ status: 404 });
    await expect(h.engine.cancelJob(job_id, 'client-b')).rejects.toMatchObject({ status: 404 });
    expect((await h.engine.listJobs({ client_id: 'client-b', limit: 10 })).jobs).toEqual([]);
  });

  it('answers the first job for a repeated Idempotency-Key', async () => {
    h = await startHarness(blueprints);
    const first = await create('single', { text: 'x' }, { idempotency_key: 'k1' });
    const again = await create('single', { text: 'x' }, { idempotency_key: 'k1' });
    expect(first.created).toBe(true);
    expect(again).toEqual({ job_id: first.job_id, created: false });
    expect((await h.engine.listJobs({ limit: 10 })).jobs).toHaveLength(1);
  });

  it('refuses an unknown blueprint and a webhook_url that is not http(s)', async () => {
    h = await startHarness(blueprints);
    await expect(create('nope')).rejects.toMatchObject({ status: 404 });
    await expect(create('single', {}, { webhook_url: 'ftp://x' })).rejects.toMatchObject({ status: 400 });
  });

  it('fails a runaway job after MAX_TRANSITIONS state entries', async () => {
    h = await startHarness(blueprints, { limits: { maxTransitions: 20 } });
    const { job_id } = await create('looping');
    const job = await h.engine.getJob(job_id);
    expect(job.status).toBe('failed');
    expect(job.error?.code).toBe('MAX_TRANSITIONS');
  });
});

describe('engine: long-poll', () => {
  it('answers at once when a task is queued', async () => {
    h = await startHarness(blueprints);
    await register('w1', ['echo']);
    await create('single', { text: 'a' });
    const started = Date.now();
    expect(await poll('w1', 5000)).not.toBeNull();
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('wakes a waiting poll the moment a task of its type is queued', async () => {
    h = await startHarness(blueprints);
    await register('w1', ['echo']);
    const waiting = poll('w1', 10_000);
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    const { job_id } = await create('single', { text: 'a' });
    const task = await waiting;
    expect(task?.job_id).toBe(job_id);
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('answers null after the timeout when nothing comes', async () => {
    h = await startHarness(blueprints);
    await register('w1', ['echo']);
    const started = Date.now();
    expect(await poll('w1', 150)).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('answers null at once when the request is aborted, and a later task goes to another poll', async () => {
    h = await startHarness(blueprints);
    await register('w1', ['echo']);
    await register('w2', ['echo']);
    const controller = new AbortController();
    const aborted = h.engine.nextTask('w1', { timeoutMs: 10_000, signal: controller.signal });
    await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    expect(await aborted).toBeNull();
    const other = poll('w2', 5000);
    await new Promise((r) => setTimeout(r, 20));
    await create('single', { text: 'a' });
    expect(await other).not.toBeNull();
  });

  it('wakes as many waiting polls as tasks are queued', async () => {
    h = await startHarness(blueprints);
    for (let i = 0; i < 5; i++) await register(`w${i}`, ['square']);
    const controllers = Array.from({ length: 5 }, () => new AbortController());
    const polls = controllers.map((c, i) => h.engine.nextTask(`w${i}`, { timeoutMs: 10_000, signal: c.signal }));
    await new Promise((r) => setTimeout(r, 20));
    await create('fan', { items: [1, 2, 3] });
    await new Promise((r) => setTimeout(r, 300));
    for (const c of controllers) c.abort();
    const answered = (await Promise.all(polls)).filter((t) => t !== null);
    expect(answered.map((t) => t!.params.n).sort()).toEqual([1, 2, 3]);
  });

  it('answers null at once to a worker holding max_concurrent_tasks', async () => {
    h = await startHarness(blueprints);
    await register('w1', ['echo'], { max_concurrent_tasks: 1 });
    await create('single', { text: 'a' });
    await create('single', { text: 'b' });
    expect(await poll('w1')).not.toBeNull();
    const started = Date.now();
    expect(await poll('w1', 5000)).toBeNull();
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('leaves no waiting poll behind once polls are aborted or time out', async () => {
    const metrics = recordingMetrics();
    h = await startHarness(blueprints, { metrics });
    await register('w1', ['echo']);
    const controllers = Array.from({ length: 50 }, () => new AbortController());
    const polls = controllers.map((c) => h.engine.nextTask('w1', { timeoutMs: 60_000, signal: c.signal }));
    expect(await poll('w1', 30)).toBeNull();
    expect(metrics.waiting).toBe(50);
    for (const c of controllers) c.abort();
    expect(await Promise.all(polls)).toEqual(Array.from({ length: 50 }, () => null));
    expect(metrics.waiting).toBe(0);
  });

  it('answers 404 to a poll of an unregistered worker', async () => {
    h = await startHarness(blueprints);
    await expect(poll('ghost')).rejects.toMatchObject({ status: 404 });
  });
});

describe('engine: dispatch', () => {
  it('hands out the highest priority first, first-in first-out within a priority', async () => {
    h = await startHarness(blueprints);
    await register('w1', ['rank']);
    const low = await create('prio_0');
    const highA = await create('prio_9');
    const mid = await create('prio_5');
    const highB = await create('prio_9');
    const order = [];
    for (let i = 0; i < 4; i++) order.push((await poll('w1'))?.job_id);
    expect(order).toEqual([highA.job_id, highB.job_id, mid.job_id, low.job_id]);
  });

  it('matches requires against resources, with Avtomatika gpu_info and installed_models', async () => {
    h = await startHarness(blueprints);
    await register('cpu', ['render'], { resources: { cpu_cores: 64 } });
    await register('small', ['render'], { resources: { gpu: { model: 'NVIDIA A100', vram_gb: 24 } }, models: ['whisper-large'] });
    await register('avtomatika', ['render'], {
      resources: { gpu_info: { model: 'NVIDIA A100-SXM4-80GB', vram_gb: 80 } },
      installed_models: [{ name: 'whisper-large', version: '3' }],
    });
    await create('gpu_job');
    expect(await poll('cpu')).toBeNull();
    expect(await poll('small')).toBeNull();
    expect(await poll('avtomatika')).not.toBeNull();
  });
});

describe('engine: workers', () => {
  it('matches requires against resources a heartbeat updated', async () => {
    h = await startHarness(blueprints);
    await register('w1', ['render']);
    await create('gpu_job');
    expect(await poll('w1')).toBeNull();
    const { worker } = await h.engine.heartbeat('w1', { resources: { gpu: { model: 'A100 80GB', vram_gb: 80 } }, models: ['whisper-large'] });
    expect(worker?.resources).toEqual({ gpu: { model: 'A100 80GB', vram_gb: 80 } });
    expect(await poll('w1')).not.toBeNull();
  });

  it('reports job and task work to the metrics', async () => {
    const metrics = recordingMetrics();
    h = await startHarness(blueprints, { metrics });
    await register('w1', ['echo']);
    const { job_id } = await create('single', { text: 'a' });
    const task = await poll('w1');
    await h.engine.submitResult({ job_id, task_id: task!.task_id, worker_id: 'w1', status: 'success' });
    expect(metrics.calls).toEqual(['jobCreated single', 'taskQueued echo', 'taskLeased echo', 'taskCompleted echo success', 'jobEnded single finished']);
  });
});

describe('engine: leases', () => {
  it('answers 403 to a result from a worker that does not hold the task, and 409 to an unknown task', async () => {
    h = await startHarness(blueprints);
    await register('w1', ['echo']);
    await register('w2', ['echo']);
    const { job_id } = await create('single', { text: 'a' });
    const task = await poll('w1');
    await expect(h.engine.submitResult({ job_id, task_id: task!.task_id, worker_id: 'w2', status: 'success' })).rejects.toMatchObject({ status: 403 });
    await expect(h.engine.submitResult({ job_id, task_id: 'nope', worker_id: 'w1', status: 'success' })).rejects.toMatchObject({ status: 409 });
    await expect(h.engine.submitResult({ job_id: 'no-job', task_id: 'nope', worker_id: 'w1', status: 'success' })).rejects.toMatchObject({ status: 409 });
    expect((await h.engine.getJob(job_id)).status).toBe('waiting_for_worker');
  });

  it('applies an identical repeat of a result once and answers it the same', async () => {
    h = await startHarness(blueprints);
    await register('w1', ['echo']);
    const { job_id } = await create('single', { text: 'a' });
    const task = await poll('w1');
    const result = { job_id, task_id: task!.task_id, worker_id: 'w1', status: 'success', data: { n: 1 } };
    expect(await h.engine.submitResult(result)).toBe('result_accepted_success');
    expect(await h.engine.submitResult(result)).toBe('result_accepted_success');
    expect((await h.engine.history(job_id)).filter((e) => e.event_type === 'task_result')).toHaveLength(1);
  });

  it('re-queues the tasks of an expired worker as a new attempt and drops the worker from the list', async () => {
    h = await startHarness(blueprints);
    await register('w1', ['echo']);
    const { job_id } = await create('single', { text: 'a' });
    const first = await poll('w1');
    await h.advance(61_000);
    expect(await h.engine.listWorkers()).toEqual([]);
    await register('w2', ['echo']);
    const second = await poll('w2');
    expect(second).toMatchObject({ job_id, attempt: 2 });
    expect(second!.task_id).not.toBe(first!.task_id);
    await expect(h.engine.submitResult({ job_id, task_id: first!.task_id, worker_id: 'w1', status: 'success' })).rejects.toMatchObject({ status: 409 });
  });

  it('keeps a worker that heartbeats', async () => {
    h = await startHarness(blueprints);
    await register('w1', ['echo']);
    h.clock.advance(50_000);
    await h.engine.heartbeat('w1', undefined);
    await h.advance(50_000);
    expect((await h.engine.listWorkers()).map((w) => w.worker_id)).toEqual(['w1']);
  });

  it('times out a leased task and re-queues it after the backoff', async () => {
    h = await startHarness(blueprints);
    await register('w1', ['slow']);
    const { job_id } = await create('timed');
    const first = await poll('w1');
    await h.advance(10_001);
    expect((await h.engine.heartbeat('w1', undefined)).cancelled_tasks).toEqual([first!.task_id]);
    await h.advance(1_000);
    expect(await poll('w1')).toMatchObject({ job_id, attempt: 2 });
  });
});

describe('engine: parallel, children, approvals, cancel', () => {
  it('keeps every branch result, in item order, when results arrive concurrently', async () => {
    h = await startHarness(blueprints);
    const items = Array.from({ length: 20 }, (_, i) => i);
    for (const i of items) await register(`w${i}`, ['square']);
    const { job_id } = await create('fan', { items });
    const tasks = await Promise.all(items.map((i) => poll(`w${i}`)));
    const replies = await Promise.all(
      tasks
        .map((t, i) => ({ t: t!, i }))
        .reverse()
        .map(({ t, i }) => h.engine.submitResult({ job_id, task_id: t.task_id, worker_id: `w${i}`, status: 'success', data: { n: Number(t.params.n) ** 2 } })),
    );
    expect(replies.every((r) => r === 'parallel_branch_result_accepted')).toBe(true);
    const job = await h.engine.getJob(job_id);
    expect(job.status).toBe('finished');
    expect(job.result).toEqual(items.map((i) => i * i));
  });

  it('keeps all of 200 branch results posted at once', async () => {
    h = await startHarness(blueprints);
    const items = Array.from({ length: 200 }, (_, i) => i);
    await register('w', ['square']);
    const { job_id } = await create('fan', { items });
    const tasks = [];
    for (const _ of items) tasks.push((await poll('w'))!);
    await Promise.all(tasks.map((t) => h.engine.submitResult({ job_id, task_id: t.task_id, worker_id: 'w', status: 'success', data: { n: Number(t.params.n) } })));
    const job = await h.engine.getJob(job_id);
    expect(job.result).toEqual(items);
  });

  it('runs a child job and resumes the parent when it finishes', async () => {
    h = await startHarness(blueprints);
    await register('w1', ['echo']);
    const { job_id } = await create('parent', { text: 'from parent' });
    await h.engine.idle();
    const parent = await h.engine.getJob(job_id);
    expect(parent.status).toBe('waiting_for_child');
    const task = await poll('w1');
    expect(task?.job_id).toBe(parent.child_job_ids[0]);
    expect((await h.engine.getJob(task!.job_id)).parent_job_id).toBe(job_id);
    await h.engine.submitResult({ job_id: task!.job_id, task_id: task!.task_id, worker_id: 'w1', status: 'success', data: { text: 'child says hi' } });
    await h.engine.idle();
    expect(await h.engine.getJob(job_id)).toMatchObject({ status: 'finished', result: 'child says hi' });
  });

  it('cancels the child job when the parent is cancelled', async () => {
    h = await startHarness(blueprints);
    const { job_id } = await create('parent', { text: 'x' });
    await h.engine.idle();
    const childId = (await h.engine.getJob(job_id)).child_job_ids[0]!;
    await h.engine.cancelJob(job_id);
    await h.engine.idle();
    expect((await h.engine.getJob(childId)).status).toBe('cancelled');
    expect((await h.engine.dashboard()).queues).toEqual({});
  });

  it('leaves no child running when the parent is cancelled while the child starts', async () => {
    h = await startHarness(blueprints);
    const { job_id } = await create('parent', { text: 'x' });
    await h.engine.cancelJob(job_id);
    await h.engine.idle();
    const childId = (await h.engine.getJob(job_id)).child_job_ids[0]!;
    const child = await h.engine.getJob(childId).catch(() => null);
    expect(child === null || child.status === 'cancelled').toBe(true);
    expect((await h.engine.dashboard()).queues).toEqual({});
  });

  it('takes approval decisions: 404 unknown job, 400 unknown decision, 409 when not waiting', async () => {
    h = await startHarness(blueprints);
    const { job_id } = await create('approve');
    await expect(h.engine.decide('nope', 'approved')).rejects.toMatchObject({ status: 404 });
    await expect(h.engine.decide(job_id, 'perhaps')).rejects.toMatchObject({ status: 400, message: expect.stringContaining('approved, rejected') });
    expect((await h.engine.getJob(job_id)).decisions).toEqual(['approved', 'rejected']);
    await h.engine.decide(job_id, 'approved');
    expect((await h.engine.getJob(job_id)).status).toBe('finished');
    await expect(h.engine.decide(job_id, 'perhaps')).rejects.toMatchObject({ status: 409 });
  });

  it('cancels a job at once, tells the worker over its socket, lists it in heartbeats, and refuses its result', async () => {
    const told: unknown[] = [];
    h = await startHarness(blueprints, {
      notifyWorker: (workerId, command) => {
        told.push({ workerId, command });
        return workerId === 'w1';
      },
    });
    await register('w1', ['echo']);
    const { job_id } = await create('single', { text: 'a' });
    const task = await poll('w1');
    expect(await h.engine.cancelJob(job_id, 'client-a')).toEqual({ notified_worker: true });
    expect(told).toEqual([{ workerId: 'w1', command: { command: 'cancel_task', job_id, task_id: task!.task_id } }]);
    expect((await h.engine.getJob(job_id)).status).toBe('cancelled');
    expect((await h.engine.heartbeat('w1', undefined)).cancelled_tasks).toEqual([task!.task_id]);
    await expect(h.engine.submitResult({ job_id, task_id: task!.task_id, worker_id: 'w1', status: 'success' })).rejects.toMatchObject({ status: 409 });
    await expect(h.engine.cancelJob(job_id)).rejects.toMatchObject({ status: 409 });
  });

  it('withdraws queued tasks on cancel and says no socket was told', async () => {
    h = await startHarness(blueprints);
    const { job_id } = await create('single', { text: 'a' });
    expect(await h.engine.cancelJob(job_id)).toEqual({ notified_worker: false });
    expect((await h.engine.dashboard()).queues).toEqual({});
  });
});

describe('engine: timers in the store', () => {
  it('fires wait, approval timeout and dispatch timeout deadlines as the clock passes them', async () => {
    h = await startHarness(blueprints);
    const { job_id } = await create('timers');
    const status = async () => (await h.engine.getJob(job_id)).status;
    expect(await status()).toBe('waiting');
    await h.advance(29_999);
    expect(await status()).toBe('waiting');
    await h.advance(1);
    expect(await status()).toBe('waiting_for_human');
    await h.advance(3_600_000);
    expect(await status()).toBe('waiting_for_worker');
    expect((await h.engine.dashboard()).queues).toEqual({ nobody: 1 });
    await h.advance(60_000);
    const job = await h.engine.getJob(job_id);
    expect(job).toMatchObject({ status: 'failed', current_state: 'gave_up', error_message: 'nobody came' });
    expect((await h.engine.dashboard()).queues).toEqual({});
    expect((await h.engine.history(job_id)).map((e) => e.event_type)).toContain('task_timeout');
  });

  it('expires an ended job after the retention period', async () => {
    h = await startHarness(blueprints, { limits: { jobRetentionMs: 1000 } });
    const { job_id } = await create('approve');
    await h.engine.decide(job_id, 'approved');
    h.clock.advance(999);
    expect((await h.engine.getJob(job_id)).status).toBe('finished');
    h.clock.advance(1);
    await expect(h.engine.getJob(job_id)).rejects.toMatchObject({ status: 404 });
  });
});

describe('engine: views', () => {
  it('lists workers without tokens, with busy/idle status', async () => {
    h = await startHarness(blueprints);
    await register('w1', ['echo'], { token: 'secret', hostname: 'box', resources: { cpu_cores: 2 } });
    await create('single', { text: 'a' });
    await poll('w1');
    const [worker] = await h.engine.listWorkers();
    expect(worker).toMatchObject({ worker_id: 'w1', status: 'busy', hostname: 'box', resources: { cpu_cores: 2 } });
    expect(JSON.stringify(worker)).not.toContain('secret');
  });

  it('counts jobs, workers and queues on the dashboard', async () => {
    h = await startHarness(blueprints);
    await register('w1', ['echo']);
    await create('single', { text: 'a' });
    await create('single', { text: 'b' });
    const dash = await h.engine.dashboard();
    expect(dash.jobs).toEqual({ waiting_for_worker: 2 });
    expect(dash.workers).toEqual({ total: 1, idle: 1, busy: 0 });
    expect(dash.queues).toEqual({ echo: 2 });
    expect(dash.blueprints).toContain('single');
  });

  it('gives the path of a job for the graph overlay', async () => {
    h = await startHarness(blueprints);
    await register('w1', ['echo']);
    const { job_id } = await create('single', { text: 'a' });
    expect((await h.engine.graphOverlay(job_id)).overlay).toMatchObject({ visited: ['work'], current: 'work' });
  });

  it('stores progress updates from the worker holding the task', async () => {
    h = await startHarness(blueprints);
    await register('w1', ['echo']);
    const { job_id } = await create('single', { text: 'a' });
    const task = await poll('w1');
    await h.engine.progress({ worker_id: 'w1', job_id, task_id: task!.task_id, progress: 0.25, message: 'quarter' });
    expect((await h.engine.getJob(job_id)).progress).toMatchObject({ progress: 0.25, message: 'quarter', task_id: task!.task_id });
  });

  it('forgets everything on flush', async () => {
    h = await startHarness(blueprints);
    await register('w1', ['echo']);
    const { job_id } = await create('single', { text: 'a' });
    await h.engine.flush();
    await expect(h.engine.getJob(job_id)).rejects.toMatchObject({ status: 404 });
    expect(await h.engine.listWorkers()).toEqual([]);
  });
});
