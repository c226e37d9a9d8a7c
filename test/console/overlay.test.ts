import { describe, expect, it } from 'vitest';
import { deriveOverlay, parallelBranches, stateSpans } from '../../console/src/overlay.js';
import type { HistoryEventView, JobView } from '../../src/engine/api.js';

function job(patch: Partial<JobView>): JobView {
  return {
    id: 'j1',
    blueprint_name: 'b',
    blueprint_version: 1,
    status: 'running',
    current_state: null,
    initial_data: {},
    state_history: {},
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
    finished_at: null,
    webhook_url: null,
    parent_job_id: null,
    child_job_ids: [],
    current_task: null,
    progress: null,
    ...patch,
  };
}

let n = 0;
function event(event_type: string, state: string | null, second: number, extra: Record<string, unknown> = {}): HistoryEventView {
  n += 1;
  return { event_id: `e${n}`, job_id: 'j1', timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString(), event_type, state, ...extra };
}

const entered = (...states: string[]): HistoryEventView[] => states.map((s, i) => event('state_entered', s, i));

describe('deriveOverlay', () => {
  it('marks the states a running job entered as visited and its current state as current', () => {
    const overlay = deriveOverlay(job({ status: 'waiting_for_worker', current_state: 'b' }), entered('a', 'b'));
    expect(overlay.visited).toEqual(['a', 'b']);
    expect(overlay.current).toBe('b');
    expect(overlay.failed).toBeUndefined();
  });

  it('counts each time an edge was taken, so a loop shows how often it ran', () => {
    const overlay = deriveOverlay(job({ status: 'finished', current_state: 'done' }), entered('try', 'check', 'try', 'check', 'try', 'check', 'done'));
    expect(overlay.edgeCounts).toEqual({ 'try->check': 3, 'check->try': 2, 'check->done': 1 });
  });

  it('marks the state named by the error of a failed job as failed, not current', () => {
    const overlay = deriveOverlay(
      job({ status: 'failed', current_state: 'broken', error: { code: 'PERMANENT_ERROR', message: 'x', state: 'pay' } }),
      entered('pay', 'broken'),
    );
    expect(overlay.failed).toBe('pay');
    expect(overlay.current).toBeUndefined();
  });

  it('falls back to the current state of a failed job whose error names no state', () => {
    expect(deriveOverlay(job({ status: 'quarantined', current_state: 'pay' }), entered('pay')).failed).toBe('pay');
  });

  it('marks where a cancelled job stopped', () => {
    const overlay = deriveOverlay(job({ status: 'cancelled', current_state: 'review' }), entered('a', 'review'));
    expect(overlay.stopped).toBe('review');
    expect(overlay.current).toBeUndefined();
  });

  it('counts the current state as entered when the history has not caught up yet', () => {
    const overlay = deriveOverlay(job({ status: 'running', current_state: 'b' }), entered('a'));
    expect(overlay.visited).toEqual(['a', 'b']);
    expect(overlay.edgeCounts).toEqual({ 'a->b': 1 });
  });
});

describe('stateSpans', () => {
  it('gives each entry its time until the next entry, and the last one until the job finished', () => {
    const spans = stateSpans(job({ status: 'finished', finished_at: '2026-01-01T00:00:05.000Z' }), entered('a', 'b'), 0);
    expect(spans.map((s) => [s.state, s.durationMs, s.open])).toEqual([
      ['a', 1000, false],
      ['b', 4000, false],
    ]);
  });

  it('leaves the last span of a running job open, measured up to now', () => {
    const now = Date.UTC(2026, 0, 1, 0, 0, 10);
    const spans = stateSpans(job({ status: 'waiting_for_worker' }), entered('a', 'b'), now);
    expect(spans[1]).toMatchObject({ state: 'b', durationMs: 9000, open: true });
  });
});

describe('parallelBranches', () => {
  it('keeps the latest status of each branch of the given state, following its task id', () => {
    const history = [
      event('task_queued', 'fan', 1, { task_id: 't1', branch: 'item[0]', attempt: 1 }),
      event('task_queued', 'fan', 1, { task_id: 't2', branch: 'item[1]', attempt: 1 }),
      event('task_queued', 'other', 1, { task_id: 't9', branch: 'item[0]' }),
      event('task_leased', 'fan', 2, { task_id: 't1', worker_id: 'w1', attempt: 1 }),
      event('task_result', 'fan', 3, { task_id: 't1', worker_id: 'w1', status: 'success' }),
      event('task_result', 'fan', 3, { task_id: 't2', status: 'failure' }),
    ];
    const rows = parallelBranches(history, 'fan');
    expect(rows.map((r) => [r.key, r.status, r.workerId])).toEqual([
      ['item[0]', 'success', 'w1'],
      ['item[1]', 'failed', null],
    ]);
  });

  it('shows a branch whose attempt failed and waits for another as retrying', () => {
    const history = [
      event('task_queued', 'fan', 1, { task_id: 't1', branch: 'a', attempt: 1 }),
      event('task_result', 'fan', 2, { task_id: 't1', status: 'failure' }),
      event('task_retry', 'fan', 2, { branch: 'a', next_attempt: 2 }),
    ];
    expect(parallelBranches(history, 'fan')).toMatchObject([{ key: 'a', status: 'retrying', taskId: 't1' }]);
  });
});
