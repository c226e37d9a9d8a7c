import { describe, expect, it } from 'vitest';
import type { JobChange } from '../../src/storage/contracts.js';
import { createMemoryStore } from '../../src/storage/memory.js';
import { describeStoreContract, jobRecord, taskRecord } from './contract.js';

describeStoreContract('memory', async () => createMemoryStore());

const T0 = 1_700_000_000_000;
const ended = (id: string, n: number): JobChange => ({
  job: jobRecord(id, { status: 'finished', finished_at: T0 + n }),
  expected_version: null,
  history: [{ event_id: `${id}:end`, job_id: id, timestamp: T0 + n, event_type: 'job_finished', state: null }],
  idempotency: { client_id: 'c', key: id },
  expire_at: T0 + 86_400_000,
});

describe('memory store: bounded ended jobs (MEMORY_MAX_ENDED_JOBS)', () => {
  it('forgets the job that ended first once more than maxEndedJobs have ended, with its history and key', async () => {
    const store = createMemoryStore({ maxEndedJobs: 2, clock: { now: () => T0 } });
    for (const [n, id] of ['a', 'b', 'c'].entries()) expect((await store.jobs.commit(ended(id, n))).ok).toBe(true);
    expect(await store.jobs.load('a')).toBeNull();
    expect(await store.jobs.history('a')).toEqual([]);
    expect(await store.idempotency.lookup('c', 'a')).toBeNull();
    expect((await store.jobs.load('b'))?.job.status).toBe('finished');
    expect((await store.jobs.load('c'))?.job.status).toBe('finished');
    expect(await store.jobs.countByStatus()).toEqual({ finished: 2 });
  });

  it('never forgets a job that has not ended', async () => {
    const store = createMemoryStore({ maxEndedJobs: 1, clock: { now: () => T0 } });
    await store.jobs.commit({ job: jobRecord('live'), expected_version: null, enqueue: [taskRecord('t1', 'live')] });
    for (const [n, id] of ['a', 'b', 'c'].entries()) await store.jobs.commit(ended(id, n));
    expect((await store.jobs.load('live'))?.tasks.map((t) => t.task_id)).toEqual(['t1']);
    expect((await store.jobs.load('c'))?.job.status).toBe('finished');
    expect(await store.jobs.load('b')).toBeNull();
  });

  it('still lets retention delete ended jobs before the cap is reached', async () => {
    let now = T0;
    const store = createMemoryStore({ maxEndedJobs: 10, clock: { now: () => now } });
    await store.jobs.commit(ended('a', 0));
    now = T0 + 86_400_000;
    expect(await store.jobs.load('a')).toBeNull();
  });
});
