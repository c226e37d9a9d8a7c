/**
 * The one contract suite that every store runs (memory.test.ts, redis.test.ts): each `it` is one rule
 * of src/storage/contracts.ts. `makeStore` must return a started, empty store; the suite closes it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobChange, Store } from '../../src/storage/contracts.js';
import type { HistoryEvent, JobRecord, JobStatus, TaskRecord, TimerRecord, WorkerRecord } from '../../src/storage/types.js';

const T0 = 1_700_000_000_000;

export function jobRecord(id: string, overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    id,
    version: 1,
    client_id: 'client-a',
    blueprint: 'bp',
    blueprint_version: 1,
    status: 'pending',
    current_state: 'start',
    initial_data: { n: 1 },
    state_history: {},
    result: null,
    error: null,
    created_at: T0,
    updated_at: T0,
    finished_at: null,
    webhook_url: null,
    parent: null,
    child_job_ids: [],
    progress: null,
    entries: 1,
    active: { kind: 'none' },
    visited: ['start'],
    edge_counts: {},
    failed_state: null,
    applied: [],
    cancelled_task_ids: [],
    ...overrides,
  };
}

export function taskRecord(id: string, jobId: string, overrides: Partial<TaskRecord> = {}): TaskRecord {
  return {
    task_id: id,
    job_id: jobId,
    type: 'work',
    params: { p: id },
    priority: 0,
    requires: null,
    attempt: 1,
    state: 'start',
    entry: 1,
    branch: null,
    status: 'queued',
    queued_at: T0,
    worker_id: null,
    leased_at: null,
    deadline: null,
    timeout_ms: null,
    lease_timer_id: `${id}:lease`,
    dispatch_timer_id: null,
    dispatch_deadline: null,
    tracing_context: {},
    params_metadata: {},
    ...overrides,
  };
}

export function workerRecord(id: string, overrides: Partial<WorkerRecord> = {}): WorkerRecord {
  return {
    worker_id: id,
    supported_tasks: ['work'],
    match: {},
    max_concurrent_tasks: null,
    description: { worker_id: id, supported_tasks: ['work'] },
    registered_at: T0,
    last_heartbeat: T0,
    expires_at: T0 + 60_000,
    current_tasks: [],
    cancelled_tasks: [],
    ...overrides,
  };
}

export function timerRecord(id: string, jobId: string, due: number, overrides: Partial<TimerRecord> = {}): TimerRecord {
  return { id, kind: 'wait', job_id: jobId, due, entry: 1, task_id: null, payload: {}, ...overrides };
}

function historyEvent(jobId: string, n: number): HistoryEvent {
  return { event_id: `${jobId}:e${n}`, job_id: jobId, timestamp: T0 + n, event_type: 'state_entered', state: 'start' };
}

const create = (job: JobRecord, rest: Partial<JobChange> = {}): JobChange => ({ job, expected_version: null, ...rest });
const update = (job: JobRecord, rest: Partial<JobChange> = {}): JobChange => ({
  job: { ...job, version: job.version + 1 },
  expected_version: job.version,
  ...rest,
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function describeStoreContract(name: string, makeStore: () => Promise<Store>): void {
  describe(`store contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      await store.close();
    });

    const claimWorker = async (id: string, overrides: Partial<WorkerRecord> = {}): Promise<void> => {
      await store.workers.register(workerRecord(id, overrides));
    };
    const claim = (workerId: string, now = T0 + 1) => store.tasks.claimNextTask(workerId, now, { alive_until: now + 60_000 });
    const claimedId = async (workerId: string, now = T0 + 1): Promise<string | null> => {
      const result = await claim(workerId, now);
      return result.outcome === 'claimed' ? result.task.task_id : null;
    };

    describe('jobs', () => {
      it('loads what a create committed, with its queued tasks', async () => {
        const result = await store.jobs.commit(create(jobRecord('j1'), { enqueue: [taskRecord('t1', 'j1')] }));
        expect(result).toEqual({ ok: true, cancelled: [] });
        const loaded = await store.jobs.load('j1');
        expect(loaded?.job).toEqual(jobRecord('j1'));
        expect(loaded?.tasks.map((t) => [t.task_id, t.status])).toEqual([['t1', 'queued']]);
      });

      it('answers null for an unknown job', async () => {
        expect(await store.jobs.load('nope')).toBeNull();
      });

      it('takes committed records over: changing one afterwards throws or changes nothing stored', async () => {
        const job = jobRecord('j1');
        const task = taskRecord('t1', 'j1');
        const event = historyEvent('j1', 1);
        await store.jobs.commit(create(job, { enqueue: [task], history: [event] }));
        for (const attempt of [() => (job.state_history.x = 1), () => (task.params.x = 1), () => (event.extra = 'changed')]) {
          try {
            attempt();
          } catch (error) {
            expect(error).toBeInstanceOf(TypeError);
          }
        }
        const loaded = await store.jobs.load('j1');
        expect(loaded?.job.state_history).toEqual({});
        expect(loaded?.tasks[0]?.params).toEqual(taskRecord('t1', 'j1').params);
        expect((await store.jobs.history('j1'))[0]).toEqual(historyEvent('j1', 1));
      });

      it('hands out records that are read-only: a mutation throws or changes nothing stored', async () => {
        await store.jobs.commit(create(jobRecord('j1'), { enqueue: [taskRecord('t1', 'j1')], history: [historyEvent('j1', 1)] }));
        await claimWorker('w1');
        const claimed = await claim('w1');
        const loaded = await store.jobs.load('j1');
        const [event] = await store.jobs.history('j1');
        const attempts = [
          () => (loaded!.job.state_history.y = 2),
          () => (loaded!.job.active = { kind: 'none' }),
          () => loaded!.job.visited.push('x'),
          () => (loaded!.tasks[0]!.params.y = 2),
          () => claimed.outcome === 'claimed' && (claimed.task.status = 'queued'),
          () => (event!.extra = 'changed'),
        ];
        for (const attempt of attempts) {
          try {
            attempt();
          } catch (error) {
            expect(error).toBeInstanceOf(TypeError);
          }
        }
        const again = await store.jobs.load('j1');
        expect(again?.job).toEqual(jobRecord('j1'));
        expect(again?.tasks.map((t) => [t.status, t.params])).toEqual([['leased', taskRecord('t1', 'j1').params]]);
        expect((await store.jobs.history('j1'))[0]).toEqual(historyEvent('j1', 1));
      });

      it('refuses to create a job whose id exists', async () => {
        await store.jobs.commit(create(jobRecord('j1')));
        expect(await store.jobs.commit(create(jobRecord('j1', { status: 'running' })))).toEqual({ ok: false, reason: 'exists' });
        expect((await store.jobs.load('j1'))?.job.status).toBe('pending');
      });

      it('rejects a commit with a stale version and writes nothing of it', async () => {
        const job = jobRecord('j1');
        await store.jobs.commit(create(job));
        await store.jobs.commit(update(job, { job: { ...job, version: 2, status: 'running' } }));
        const stale = await store.jobs.commit(
          update(job, { job: { ...job, version: 2, status: 'failed' }, enqueue: [taskRecord('t1', 'j1')], history: [historyEvent('j1', 1)] }),
        );
        expect(stale).toEqual({ ok: false, reason: 'version', current_version: 2 });
        const loaded = await store.jobs.load('j1');
        expect(loaded?.job.status).toBe('running');
        expect(loaded?.tasks).toEqual([]);
        expect(await store.jobs.history('j1')).toEqual([]);
        expect(await store.tasks.depths()).toEqual({});
      });

      it('lets exactly one of several concurrent commits on one version win', async () => {
        const job = jobRecord('j1');
        await store.jobs.commit(create(job));
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) => store.jobs.commit(update(job, { job: { ...job, version: 2, state_history: { winner: i } } }))),
        );
        expect(results.filter((r) => r.ok)).toHaveLength(1);
        const winner = results.findIndex((r) => r.ok);
        expect((await store.jobs.load('j1'))?.job.state_history).toEqual({ winner });
      });

      it('fails a commit whose task expectation does not hold, writing nothing', async () => {
        const job = jobRecord('j1');
        await store.jobs.commit(create(job, { enqueue: [taskRecord('t1', 'j1')] }));
        await claimWorker('w1');
        await claim('w1');
        const result = await store.jobs.commit(
          update(job, { expect_tasks: [{ task_id: 't1', status: 'queued' }], withdraw: [{ task_id: 't1', reason: 'done' }] }),
        );
        expect(result).toEqual({ ok: false, reason: 'task_mismatch', task_id: 't1' });
        expect((await store.jobs.load('j1'))?.tasks.map((t) => t.status)).toEqual(['leased']);
      });

      it('checks the lease holder and absence in task expectations', async () => {
        const job = jobRecord('j1');
        await store.jobs.commit(create(job, { enqueue: [taskRecord('t1', 'j1')] }));
        await claimWorker('w1');
        await claim('w1');
        expect(await store.jobs.commit(update(job, { expect_tasks: [{ task_id: 't1', status: 'leased', worker_id: 'w2' }] }))).toMatchObject({
          ok: false,
          reason: 'task_mismatch',
        });
        expect(await store.jobs.commit(update(job, { expect_tasks: [{ task_id: 'tx', status: 'absent' }] }))).toMatchObject({ ok: true });
      });

      it('appends history in order across commits', async () => {
        const job = jobRecord('j1');
        await store.jobs.commit(create(job, { history: [historyEvent('j1', 1), historyEvent('j1', 2)] }));
        await store.jobs.commit(update(job, { history: [historyEvent('j1', 3)] }));
        expect((await store.jobs.history('j1')).map((e) => e.event_id)).toEqual(['j1:e1', 'j1:e2', 'j1:e3']);
      });

      it('answers the first job for a repeated idempotency key of the same client only', async () => {
        const key = { client_id: 'client-a', key: 'k1' };
        expect(await store.jobs.commit(create(jobRecord('j1'), { idempotency: key }))).toMatchObject({ ok: true });
        expect(await store.jobs.commit(create(jobRecord('j2'), { idempotency: key }))).toEqual({ ok: false, reason: 'idempotent', job_id: 'j1' });
        expect(await store.jobs.load('j2')).toBeNull();
        expect(await store.idempotency.lookup('client-a', 'k1')).toBe('j1');
        expect(await store.idempotency.lookup('client-b', 'k1')).toBeNull();
        expect(await store.jobs.commit(create(jobRecord('j3', { client_id: 'client-b' }), { idempotency: { client_id: 'client-b', key: 'k1' } }))).toMatchObject({
          ok: true,
        });
      });

      it('deletes an ended job, its history and its idempotency key after expire_at', async () => {
        const job = jobRecord('j1');
        await store.jobs.commit(create(job, { idempotency: { client_id: 'client-a', key: 'k' }, history: [historyEvent('j1', 1)] }));
        await store.jobs.commit(update(job, { job: { ...job, version: 2, status: 'finished' }, expire_at: Date.now() + 300 }));
        expect(await store.jobs.load('j1')).not.toBeNull();
        await sleep(700);
        expect(await store.jobs.load('j1')).toBeNull();
        expect(await store.jobs.history('j1')).toEqual([]);
        expect(await store.idempotency.lookup('client-a', 'k')).toBeNull();
        expect((await store.jobs.list({ limit: 10 })).jobs).toEqual([]);
        expect(await store.jobs.countByStatus()).not.toHaveProperty('finished');
      });

      it('lists newest first with filters and cursor paging, each job once', async () => {
        const statuses: JobStatus[] = ['finished', 'running', 'finished', 'failed', 'finished'];
        for (let i = 0; i < 5; i++) {
          await store.jobs.commit(
            create(jobRecord(`job-${i}`, { created_at: T0 + i, status: statuses[i]!, client_id: i % 2 ? 'client-b' : 'client-a', blueprint: i < 3 ? 'bp' : 'other' })),
          );
        }
        const ids = async (q: Parameters<Store['jobs']['list']>[0]) => (await store.jobs.list(q)).jobs.map((j) => j.job.id);
        expect(await ids({ limit: 10 })).toEqual(['job-4', 'job-3', 'job-2', 'job-1', 'job-0']);
        expect(await ids({ limit: 10, status: 'finished' })).toEqual(['job-4', 'job-2', 'job-0']);
        expect(await ids({ limit: 10, client_id: 'client-b' })).toEqual(['job-3', 'job-1']);
        expect(await ids({ limit: 10, blueprint: 'other' })).toEqual(['job-4', 'job-3']);
        expect(await ids({ limit: 10, id_contains: 'b-3' })).toEqual(['job-3']);

        const first = await store.jobs.list({ limit: 2 });
        expect(first.jobs.map((j) => j.job.id)).toEqual(['job-4', 'job-3']);
        await store.jobs.commit(create(jobRecord('job-new', { created_at: T0 + 100 })));
        const second = await store.jobs.list({ limit: 2, cursor: first.next_cursor! });
        expect(second.jobs.map((j) => j.job.id)).toEqual(['job-2', 'job-1']);
        const third = await store.jobs.list({ limit: 2, cursor: second.next_cursor! });
        expect(third.jobs.map((j) => j.job.id)).toEqual(['job-0']);
        expect(third.next_cursor).toBeNull();
      });

      it('rejects a cursor it did not make', async () => {
        await expect(store.jobs.list({ limit: 2, cursor: 'garbage!' })).rejects.toMatchObject({ status: 400, code: 'INVALID_CURSOR' });
      });

      it('counts jobs by status as they change', async () => {
        const job = jobRecord('j1');
        await store.jobs.commit(create(job));
        await store.jobs.commit(create(jobRecord('j2')));
        await store.jobs.commit(update(job, { job: { ...job, version: 2, status: 'finished' } }));
        const counts = await store.jobs.countByStatus();
        expect(counts.pending).toBe(1);
        expect(counts.finished).toBe(1);
      });
    });

    describe('task queue', () => {
      it('claims highest priority first, first-in first-out within a priority', async () => {
        await store.jobs.commit(
          create(jobRecord('j1'), {
            enqueue: [
              taskRecord('low', 'j1', { priority: 1 }),
              taskRecord('high-1', 'j1', { priority: 9 }),
              taskRecord('mid', 'j1', { priority: 5 }),
              taskRecord('high-2', 'j1', { priority: 9 }),
            ],
          }),
        );
        await store.jobs.commit(create(jobRecord('j2'), { enqueue: [taskRecord('high-3', 'j2', { priority: 9, type: 'other' })] }));
        await claimWorker('w1', { supported_tasks: ['work', 'other'] });
        const order: (string | null)[] = [];
        for (let i = 0; i < 6; i++) order.push(await claimedId('w1'));
        expect(order).toEqual(['high-1', 'high-2', 'high-3', 'mid', 'low', null]);
      });

      it('hands a task only to workers that support its type', async () => {
        await store.jobs.commit(create(jobRecord('j1'), { enqueue: [taskRecord('t1', 'j1', { type: 'gpu.render' })] }));
        await claimWorker('w1');
        await claimWorker('w2', { supported_tasks: ['gpu.render'] });
        expect(await claim('w1')).toEqual({ outcome: 'empty' });
        expect(await claimedId('w2')).toBe('t1');
      });

      it('gives each task to exactly one of many concurrent claimers', async () => {
        await store.jobs.commit(create(jobRecord('j1'), { enqueue: Array.from({ length: 5 }, (_, i) => taskRecord(`t${i}`, 'j1')) }));
        for (let i = 0; i < 20; i++) await claimWorker(`w${i}`);
        const got = await Promise.all(Array.from({ length: 20 }, (_, i) => claimedId(`w${i}`)));
        const claimed = got.filter((id): id is string => id !== null);
        expect(claimed.sort()).toEqual(['t0', 't1', 't2', 't3', 't4']);
      });

      it('matches requires: numbers are minimums, strings equal, gpu.model a substring, lists contained', async () => {
        const requires = { gpu: { model: 'A100', vram_gb: 40 }, models: ['whisper-large'], cpu_cores: 4 };
        await store.jobs.commit(create(jobRecord('j1'), { enqueue: [taskRecord('t1', 'j1', { requires })] }));
        const good = { gpu: { model: 'NVIDIA A100-SXM4-80GB', vram_gb: 80 }, models: ['whisper-large', 'llama'], cpu_cores: 8 };
        await claimWorker('small-vram', { match: { ...good, gpu: { model: 'NVIDIA A100', vram_gb: 24 } } });
        await claimWorker('other-gpu', { match: { ...good, gpu: { model: 'RTX 4090', vram_gb: 80 } } });
        await claimWorker('no-model', { match: { ...good, models: ['llama'] } });
        await claimWorker('no-gpu', { match: { models: ['whisper-large'], cpu_cores: 8 } });
        await claimWorker('fits', { match: good });
        for (const id of ['small-vram', 'other-gpu', 'no-model', 'no-gpu']) expect(await claim(id)).toEqual({ outcome: 'empty' });
        expect(await claimedId('fits')).toBe('t1');
      });

      it('skips a task a worker cannot run and hands it the next one', async () => {
        await store.jobs.commit(
          create(jobRecord('j1'), { enqueue: [taskRecord('big', 'j1', { requires: { memory_gb: 64 } }), taskRecord('small', 'j1')] }),
        );
        await claimWorker('w1', { match: { memory_gb: 8 } });
        expect(await claimedId('w1')).toBe('small');
        expect((await store.tasks.depths()).work).toBe(1);
      });

      it('answers unknown_worker for an unregistered or expired worker', async () => {
        await store.jobs.commit(create(jobRecord('j1'), { enqueue: [taskRecord('t1', 'j1')] }));
        expect(await claim('ghost')).toEqual({ outcome: 'unknown_worker' });
        await claimWorker('w1', { expires_at: T0 + 10 });
        expect(await claim('w1', T0 + 10)).toEqual({ outcome: 'unknown_worker' });
      });

      it('answers at_capacity for a worker holding max_concurrent_tasks', async () => {
        await store.jobs.commit(create(jobRecord('j1'), { enqueue: [taskRecord('t1', 'j1'), taskRecord('t2', 'j1')] }));
        await claimWorker('w1', { max_concurrent_tasks: 1 });
        expect(await claimedId('w1')).toBe('t1');
        expect(await claim('w1')).toEqual({ outcome: 'at_capacity' });
      });

      it('leases in one step: deadline, worker tasks, lease timer, dispatch timer cleared, task_leased event', async () => {
        const job = jobRecord('j1');
        await store.jobs.commit(
          create(job, {
            enqueue: [taskRecord('t1', 'j1', { timeout_ms: 5000, dispatch_timer_id: 't1:dispatch', attempt: 2 })],
            set_timers: [timerRecord('t1:dispatch', 'j1', T0 + 100, { kind: 'dispatch_timeout', task_id: 't1' })],
          }),
        );
        await claimWorker('w1');
        const result = await claim('w1', T0 + 50);
        expect(result.outcome).toBe('claimed');
        if (result.outcome !== 'claimed') return;
        expect(result.task).toMatchObject({ status: 'leased', worker_id: 'w1', leased_at: T0 + 50, deadline: T0 + 5050, attempt: 2 });
        expect((await store.workers.get('w1', T0 + 50))?.current_tasks).toEqual(['t1']);
        expect((await store.workers.get('w1', T0 + 50))?.expires_at).toBe(T0 + 50 + 60_000);
        expect(await store.timers.nextDue()).toBe(T0 + 5050);
        const due = await store.timers.claimDue(T0 + 10_000, 10, 1000);
        expect(due.map((t) => [t.id, t.kind, t.task_id])).toEqual([['t1:lease', 'lease_timeout', 't1']]);
        const history = await store.jobs.history('j1');
        expect(history).toEqual([
          { event_id: 't1:leased', job_id: 'j1', timestamp: T0 + 50, event_type: 'task_leased', state: 'start', task_id: 't1', worker_id: 'w1', attempt: 2, type: 'work' },
        ]);
        expect(await store.tasks.depths()).toEqual({});
      });

      it('withdraws a queued task so nobody can claim it', async () => {
        const job = jobRecord('j1');
        await store.jobs.commit(create(job, { enqueue: [taskRecord('t1', 'j1')] }));
        await store.jobs.commit(update(job, { withdraw: [{ task_id: 't1', reason: 'cancelled' }] }));
        await claimWorker('w1');
        expect(await claim('w1')).toEqual({ outcome: 'empty' });
        expect(await store.tasks.depths()).toEqual({});
        expect((await store.jobs.load('j1'))?.tasks).toEqual([]);
      });

      it('withdraws a leased task from its worker, telling the worker when it is cancelled', async () => {
        const job = jobRecord('j1');
        await store.jobs.commit(create(job, { enqueue: [taskRecord('t1', 'j1', { timeout_ms: 1000 })] }));
        await claimWorker('w1');
        await claim('w1');
        const result = await store.jobs.commit(
          update(job, { job: { ...job, version: 2, updated_at: T0 + 7 }, withdraw: [{ task_id: 't1', reason: 'cancelled' }] }),
        );
        expect(result).toEqual({ ok: true, cancelled: [{ worker_id: 'w1', job_id: 'j1', task_id: 't1' }] });
        const worker = await store.workers.get('w1', T0 + 8);
        expect(worker?.current_tasks).toEqual([]);
        expect(worker?.cancelled_tasks).toEqual([{ task_id: 't1', job_id: 'j1', at: T0 + 7 }]);
        expect(await store.timers.nextDue()).toBeNull();
      });

      it('clears the dispatch timer of a withdrawn queued task', async () => {
        const job = jobRecord('j1');
        await store.jobs.commit(
          create(job, {
            enqueue: [taskRecord('t1', 'j1', { dispatch_timer_id: 't1:dispatch' })],
            set_timers: [timerRecord('t1:dispatch', 'j1', T0 + 100, { kind: 'dispatch_timeout', task_id: 't1' })],
          }),
        );
        await store.jobs.commit(update(job, { withdraw: [{ task_id: 't1', reason: 'done' }] }));
        expect(await store.timers.nextDue()).toBeNull();
      });

      it('withdraws a finished leased task without a cancel notice', async () => {
        const job = jobRecord('j1');
        await store.jobs.commit(create(job, { enqueue: [taskRecord('t1', 'j1')] }));
        await claimWorker('w1');
        await claim('w1');
        expect(await store.jobs.commit(update(job, { withdraw: [{ task_id: 't1', reason: 'done' }] }))).toEqual({ ok: true, cancelled: [] });
        expect((await store.workers.get('w1', T0 + 2))?.cancelled_tasks).toEqual([]);
      });

      it('reports queue depths per type', async () => {
        await store.jobs.commit(
          create(jobRecord('j1'), { enqueue: [taskRecord('a1', 'j1', { type: 'a' }), taskRecord('a2', 'j1', { type: 'a' }), taskRecord('b1', 'j1', { type: 'b' })] }),
        );
        expect(await store.tasks.depths()).toEqual({ a: 2, b: 1 });
      });
    });

    describe('returning a lease', () => {
      const leasedTask = async (): Promise<JobRecord> => {
        const job = jobRecord('j1');
        await store.jobs.commit(
          create(job, { enqueue: [taskRecord('t1', 'j1', { timeout_ms: 5000, attempt: 3 }), taskRecord('t2', 'j1')] }),
        );
        await claimWorker('w1');
        await claimWorker('w2');
        expect(await claimedId('w1', T0 + 50)).toBe('t1');
        return job;
      };

      it('puts the task back as the same attempt, ahead of tasks queued after it', async () => {
        await leasedTask();
        expect(await store.tasks.returnLease('j1', 't1', 'w1', T0 + 60)).toBe(true);
        const loaded = await store.jobs.load('j1');
        expect(loaded?.tasks.find((t) => t.task_id === 't1')).toMatchObject({
          status: 'queued',
          worker_id: null,
          leased_at: null,
          deadline: null,
          attempt: 3,
          queued_at: T0,
        });
        expect(await store.tasks.depths()).toEqual({ work: 2 });
        const again = await claim('w2', T0 + 70);
        expect(again.outcome === 'claimed' && again.task).toMatchObject({ task_id: 't1', attempt: 3, worker_id: 'w2', deadline: T0 + 5070 });
      });

      it('frees the worker, clears the lease timer and records task_returned', async () => {
        await leasedTask();
        await store.tasks.returnLease('j1', 't1', 'w1', T0 + 60);
        expect((await store.workers.get('w1', T0 + 60))?.current_tasks).toEqual([]);
        expect(await store.timers.nextDue()).toBeNull();
        expect((await store.jobs.history('j1')).at(-1)).toEqual({
          event_id: 't1:returned',
          job_id: 'j1',
          timestamp: T0 + 60,
          event_type: 'task_returned',
          state: 'start',
          task_id: 't1',
          worker_id: 'w1',
          attempt: 3,
          type: 'work',
        });
      });

      const leasedWithDispatchTimeout = async (): Promise<void> => {
        const dispatch = { dispatch_timer_id: 't1:dispatch', dispatch_deadline: T0 + 100 };
        await store.jobs.commit(
          create(jobRecord('j1'), {
            enqueue: [taskRecord('t1', 'j1', dispatch)],
            set_timers: [timerRecord('t1:dispatch', 'j1', T0 + 100, { kind: 'dispatch_timeout', task_id: 't1' })],
          }),
        );
        await claimWorker('w1');
        expect(await claimedId('w1', T0 + 50)).toBe('t1');
        expect(await store.timers.nextDue()).toBeNull();
      };

      it('sets the dispatch timer the claim cleared again, with its original due', async () => {
        await leasedWithDispatchTimeout();
        expect(await store.tasks.returnLease('j1', 't1', 'w1', T0 + 60)).toBe(true);
        expect(await store.timers.nextDue()).toBe(T0 + 100);
        expect(await store.timers.claimDue(T0 + 99, 10, 1000)).toEqual([]);
        expect(await store.timers.claimDue(T0 + 100, 10, 1000)).toEqual([
          { id: 't1:dispatch', kind: 'dispatch_timeout', job_id: 'j1', due: T0 + 100, entry: 1, task_id: 't1', payload: {} },
        ]);
      });

      it('makes a dispatch timer whose due passed while the task was leased due at once', async () => {
        await leasedWithDispatchTimeout();
        expect(await store.tasks.returnLease('j1', 't1', 'w1', T0 + 500)).toBe(true);
        expect((await store.timers.claimDue(T0 + 500, 10, 1000)).map((t) => [t.id, t.due])).toEqual([['t1:dispatch', T0 + 100]]);
      });

      it('sets no dispatch timer for a task without a dispatch timeout', async () => {
        await leasedTask();
        await store.tasks.returnLease('j1', 't1', 'w1', T0 + 60);
        expect(await store.timers.claimDue(T0 + 1_000_000, 10, 1000)).toEqual([]);
      });

      it('a new claim of the returned task clears its dispatch timer again', async () => {
        await leasedWithDispatchTimeout();
        await store.tasks.returnLease('j1', 't1', 'w1', T0 + 60);
        expect(await claimedId('w1', T0 + 70)).toBe('t1');
        expect(await store.timers.nextDue()).toBeNull();
      });

      it('changes nothing unless this worker holds the task', async () => {
        await leasedTask();
        expect(await store.tasks.returnLease('j1', 't1', 'w2', T0 + 60)).toBe(false);
        expect(await store.tasks.returnLease('j1', 't2', 'w1', T0 + 60)).toBe(false);
        expect(await store.tasks.returnLease('j1', 'nope', 'w1', T0 + 60)).toBe(false);
        expect(await store.tasks.returnLease('j1', 't1', 'w1', T0 + 60)).toBe(true);
        expect(await store.tasks.returnLease('j1', 't1', 'w1', T0 + 61)).toBe(false);
        expect(await store.tasks.depths()).toEqual({ work: 2 });
      });

      it('does not bring back a task the job withdrew meanwhile', async () => {
        const job = await leasedTask();
        await store.jobs.commit(update(job, { withdraw: [{ task_id: 't1', reason: 'done' }] }));
        expect(await store.tasks.returnLease('j1', 't1', 'w1', T0 + 60)).toBe(false);
        expect(await store.tasks.depths()).toEqual({ work: 1 });
      });

      it('tells task-queued listeners the type of the returned task', async () => {
        await leasedTask();
        const seen: (string | null)[] = [];
        const off = store.notifier.onTaskQueued((type) => seen.push(type));
        await store.tasks.returnLease('j1', 't1', 'w1', T0 + 60);
        for (let i = 0; i < 50 && seen.length === 0; i++) await sleep(10);
        off();
        expect(seen).toEqual(['work']);
      });
    });

    describe('workers', () => {
      it('keeps the held tasks of a worker that registers again, replacing its description', async () => {
        await store.jobs.commit(create(jobRecord('j1'), { enqueue: [taskRecord('t1', 'j1')] }));
        await claimWorker('w1');
        await claim('w1');
        await store.workers.register(workerRecord('w1', { supported_tasks: ['other'], description: { worker_id: 'w1', v: 2 } }));
        const worker = await store.workers.get('w1', T0 + 2);
        expect(worker?.current_tasks).toEqual(['t1']);
        expect(worker?.supported_tasks).toEqual(['other']);
        expect(worker?.description).toEqual({ worker_id: 'w1', v: 2 });
      });

      it('refreshes a worker on heartbeat and merges an update into its description', async () => {
        await claimWorker('w1');
        const worker = await store.workers.heartbeat('w1', T0 + 5, {
          alive_until: T0 + 100_000,
          update: { load: 0.5, supported_tasks: ['work', 'more'] },
          forget_cancelled_before: 0,
        });
        expect(worker).toMatchObject({ last_heartbeat: T0 + 5, expires_at: T0 + 100_000, supported_tasks: ['work', 'more'] });
        expect(worker?.description).toMatchObject({ worker_id: 'w1', load: 0.5 });
      });

      it('answers null to a heartbeat of an unknown worker', async () => {
        expect(await store.workers.heartbeat('ghost', T0, { alive_until: T0 + 1, forget_cancelled_before: 0 })).toBeNull();
      });

      it('forgets cancelled-task notes older than asked on heartbeat', async () => {
        await claimWorker('w1', { cancelled_tasks: [{ task_id: 'old', job_id: 'j', at: T0 }] });
        const kept = await store.workers.heartbeat('w1', T0 + 1, { alive_until: T0 + 60_000, forget_cancelled_before: T0 });
        expect(kept?.cancelled_tasks.map((c) => c.task_id)).toEqual(['old']);
        const dropped = await store.workers.heartbeat('w1', T0 + 2, { alive_until: T0 + 60_000, forget_cancelled_before: T0 + 1 });
        expect(dropped?.cancelled_tasks).toEqual([]);
      });

      it('lists only live workers', async () => {
        await claimWorker('b', { expires_at: T0 + 100 });
        await claimWorker('a', { expires_at: T0 + 1000 });
        expect((await store.workers.list(T0 + 50)).map((w) => w.worker_id)).toEqual(['a', 'b']);
        expect((await store.workers.list(T0 + 100)).map((w) => w.worker_id)).toEqual(['a']);
      });

      it('hands each expired worker to one caller and sets a lease_lost timer for each task it held', async () => {
        await store.jobs.commit(create(jobRecord('j1'), { enqueue: [taskRecord('t1', 'j1', { entry: 3 })] }));
        await claimWorker('w1', { expires_at: T0 + 100 });
        await claimWorker('w2', { expires_at: T0 + 10_000 });
        await claim('w1', T0 + 1);
        // The claim kept w1 alive until T0 + 1 + 60 s.
        const [first, second] = await Promise.all([store.workers.claimExpired(T0 + 70_000, 10), store.workers.claimExpired(T0 + 70_000, 10)]);
        expect([...first!, ...second!].map((w) => w.worker_id).sort()).toEqual(['w1', 'w2']);
        expect(await store.workers.get('w1', T0)).toBeNull();
        const timers = await store.timers.claimDue(T0 + 70_000, 10, 1000);
        expect(timers).toEqual([
          { id: 't1:lost', kind: 'lease_lost', job_id: 'j1', due: T0 + 70_000, entry: 3, task_id: 't1', payload: { worker_id: 'w1' } },
        ]);
        expect((await store.jobs.load('j1'))?.tasks[0]?.status).toBe('leased');
      });
    });

    describe('timers', () => {
      it('claims due timers earliest first, up to the limit', async () => {
        await store.timers.set([timerRecord('c', 'j', T0 + 30), timerRecord('a', 'j', T0 + 10), timerRecord('b', 'j', T0 + 20), timerRecord('later', 'j', T0 + 1000)]);
        expect((await store.timers.claimDue(T0 + 100, 2, 5000)).map((t) => t.id)).toEqual(['a', 'b']);
        expect((await store.timers.claimDue(T0 + 100, 10, 5000)).map((t) => t.id)).toEqual(['c']);
      });

      it('hands each due timer to one caller until its lease ends', async () => {
        await store.timers.set(Array.from({ length: 10 }, (_, i) => timerRecord(`t${i}`, 'j', T0 + i)));
        const batches = await Promise.all(Array.from({ length: 5 }, () => store.timers.claimDue(T0 + 100, 3, 5000)));
        const ids = batches.flat().map((t) => t.id);
        expect(ids.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `t${i}`).sort());
        expect(await store.timers.claimDue(T0 + 200, 10, 5000)).toEqual([]);
        expect((await store.timers.claimDue(T0 + 5100, 20, 5000)).map((t) => t.id).sort()).toEqual(ids.sort());
      });

      it('never hands out a cleared timer', async () => {
        await store.timers.set([timerRecord('a', 'j', T0), timerRecord('b', 'j', T0)]);
        await store.timers.clear(['a']);
        expect((await store.timers.claimDue(T0 + 1, 10, 1000)).map((t) => t.id)).toEqual(['b']);
      });

      it('replaces a timer set again under the same id', async () => {
        await store.timers.set([timerRecord('a', 'j', T0)]);
        await store.timers.set([timerRecord('a', 'j', T0 + 500)]);
        expect(await store.timers.claimDue(T0 + 100, 10, 1000)).toEqual([]);
        expect(await store.timers.nextDue()).toBe(T0 + 500);
      });

      it('sets and clears timers within a job commit', async () => {
        const job = jobRecord('j1');
        await store.jobs.commit(create(job, { set_timers: [timerRecord('x', 'j1', T0 + 5)] }));
        expect(await store.timers.nextDue()).toBe(T0 + 5);
        await store.jobs.commit(update(job, { clear_timers: ['x'], set_timers: [timerRecord('y', 'j1', T0 + 9)] }));
        expect((await store.timers.claimDue(T0 + 100, 10, 1000)).map((t) => t.id)).toEqual(['y']);
      });

      it('settles a try: appends history and replaces or clears the timer', async () => {
        await store.jobs.commit(create(jobRecord('j1'), { set_timers: [timerRecord('hook', 'j1', T0, { kind: 'webhook' })] }));
        await store.timers.claimDue(T0, 10, 1000);
        await store.timers.settle('hook', { job_id: 'j1', history: [historyEvent('j1', 1)], next: timerRecord('hook', 'j1', T0 + 2000, { kind: 'webhook' }) });
        expect(await store.timers.nextDue()).toBe(T0 + 2000);
        await store.timers.settle('hook', { job_id: 'j1', history: [historyEvent('j1', 2)] });
        expect(await store.timers.nextDue()).toBeNull();
        expect((await store.jobs.history('j1')).map((e) => e.event_id)).toEqual(['j1:e1', 'j1:e2']);
      });
    });

    it('settles a timer of a job that no longer exists without writing history for it', async () => {
      await store.timers.set([timerRecord('hook', 'gone', T0, { kind: 'webhook' })]);
      await store.timers.settle('hook', { job_id: 'gone', history: [historyEvent('gone', 1)] });
      expect(await store.timers.nextDue()).toBeNull();
      expect(await store.jobs.history('gone')).toEqual([]);
    });

    describe('notices', () => {
      it('tells task-queued listeners the type of every commit that queued tasks', async () => {
        const seen: (string | null)[] = [];
        const off = store.notifier.onTaskQueued((type) => seen.push(type));
        await store.jobs.commit(create(jobRecord('j1'), { enqueue: [taskRecord('t1', 'j1', { type: 'a' })] }));
        await store.jobs.commit(create(jobRecord('j2')));
        for (let i = 0; i < 50 && seen.length === 0; i++) await sleep(10);
        off();
        expect(seen).toEqual(['a']);
      });

      it('delivers a published cancel to cancel listeners', async () => {
        const seen: unknown[] = [];
        store.notifier.onCancel((notice) => seen.push(notice));
        await store.notifier.publishCancel({ worker_id: 'w1', job_id: 'j1', task_id: 't1' });
        for (let i = 0; i < 50 && seen.length === 0; i++) await sleep(10);
        expect(seen).toEqual([{ worker_id: 'w1', job_id: 'j1', task_id: 't1' }]);
      });
    });

    it('flush forgets jobs, tasks, workers, timers, history and idempotency keys', async () => {
      await store.jobs.commit(
        create(jobRecord('j1'), {
          enqueue: [taskRecord('t1', 'j1')],
          set_timers: [timerRecord('x', 'j1', T0)],
          history: [historyEvent('j1', 1)],
          idempotency: { client_id: 'client-a', key: 'k' },
        }),
      );
      await claimWorker('w1');
      await store.flush();
      expect(await store.jobs.load('j1')).toBeNull();
      expect(await store.jobs.history('j1')).toEqual([]);
      expect(await store.tasks.depths()).toEqual({});
      expect(await store.workers.list(T0)).toEqual([]);
      expect(await store.timers.nextDue()).toBeNull();
      expect(await store.idempotency.lookup('client-a', 'k')).toBeNull();
      expect(await store.jobs.countByStatus()).toEqual({});
      expect(await store.jobs.commit(create(jobRecord('j1')))).toMatchObject({ ok: true });
    });
  });
}
