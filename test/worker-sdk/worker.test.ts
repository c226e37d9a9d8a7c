import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  InvalidInputError,
  PermanentError,
  TaskAbortedError,
  TransientError,
  WorkerRejectedError,
  createWorker,
  silentLogger,
} from '../../src/worker-sdk/index.js';
import type { SwitchyardWorker, TaskHandler, WorkerOptions } from '../../src/worker-sdk/index.js';
import { FAKE_TOKEN, FakeOrchestrator } from './fake-orchestrator.js';
import { waitFor } from './wait-for.js';

let fake: FakeOrchestrator;
const workers: SwitchyardWorker[] = [];

beforeEach(async () => {
  fake = new FakeOrchestrator();
  await fake.start();
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop({ timeoutMs: 200 })));
  await fake.close();
});

function worker(tasks: Record<string, TaskHandler>, options: Partial<WorkerOptions> = {}): SwitchyardWorker {
  const w = createWorker({
    url: fake.url,
    token: FAKE_TOKEN,
    workerId: 'w-test',
    tasks,
    heartbeatInterval: 100,
    backoff: { initialMs: 20, maxMs: 200 },
    logger: silentLogger,
    ...options,
  });
  workers.push(w);
  return w;
}

/** A handler that runs until its signal aborts, and remembers the reason. */
function blockingHandler(seen: { reason?: unknown; abortedAt?: number }): TaskHandler {
  return (_task, ctx) =>
    new Promise((_resolve, reject) => {
      ctx.signal.addEventListener('abort', () => {
        seen.reason = ctx.signal.reason;
        seen.abortedAt = performance.now();
        reject(ctx.signal.reason);
      });
    });
}

describe('registration', () => {
  it('registers the handler keys as supported_tasks with concurrency and websockets', async () => {
    await worker({ a: () => undefined, b: () => undefined }, { concurrency: 3, models: ['m1'] }).start();
    expect(fake.registrations[0]).toMatchObject({
      worker_id: 'w-test',
      supported_tasks: ['a', 'b'],
      max_concurrent_tasks: 3,
      capabilities: { websockets: true },
      models: ['m1'],
    });
  });

  it('rejects start() with WorkerRejectedError when the token is refused', async () => {
    const w = worker({ a: () => undefined }, { token: 'wrong' });
    await expect(w.start()).rejects.toBeInstanceOf(WorkerRejectedError);
  });

  it('refuses a worker id the server would refuse', () => {
    expect(() => worker({ a: () => undefined }, { workerId: 'has space' })).toThrow(/workerId/);
  });
});

describe('results', () => {
  it('posts what the handler returns as a success in the nested result form', async () => {
    await worker({ echo: (task) => ({ data: { got: task.params.x } }) }).start();
    const task = fake.enqueue('echo', { x: 7 });
    const result = await waitFor('a result', () => fake.results[0]);
    expect(result).toEqual({
      job_id: task.job_id,
      task_id: task.task_id,
      worker_id: 'w-test',
      result: { status: 'success', data: { got: 7 }, error: null },
    });
  });

  it('posts a custom status returned by the handler', async () => {
    await worker({ review: () => ({ status: 'needs_review' }) }).start();
    fake.enqueue('review');
    const result = await waitFor('a result', () => fake.results[0]);
    expect(result).toMatchObject({ result: { status: 'needs_review', data: {}, error: null } });
  });

  it.each([
    ['TransientError', () => new TransientError('try later'), 'TRANSIENT_ERROR'],
    ['PermanentError', () => new PermanentError('never'), 'PERMANENT_ERROR'],
    ['InvalidInputError', () => new InvalidInputError('bad input'), 'INVALID_INPUT_ERROR'],
    ['a plain Error', () => new Error('boom'), 'TRANSIENT_ERROR'],
  ])('reports a thrown %s as a failure with code %s', async (_name, make, code) => {
    const error = make();
    await worker({
      t: () => {
        throw error;
      },
    }).start();
    fake.enqueue('t');
    const result = await waitFor('a result', () => fake.results[0]);
    expect(result).toMatchObject({ result: { status: 'failure', data: {}, error: { code, message: error.message } } });
  });

  it('retries a result through 503 replies until it is accepted', async () => {
    let refusals = 3;
    fake.override = (req) => (req.path === '/_worker/tasks/result' && refusals-- > 0 ? { status: 503, body: { error: 'store down' } } : undefined);
    await worker({ t: () => ({ data: { ok: true } }) }).start();
    fake.enqueue('t');
    await waitFor('the result accepted', () => fake.results.length === 1);
    expect(fake.count('POST', '/_worker/tasks/result')).toBe(4);
  });

  it('drops a result answered 409 without retrying it', async () => {
    await worker({ t: () => ({ data: {} }) }).start();
    const task = fake.enqueue('t');
    fake.cancelled.add(task.task_id);
    await waitFor('a result', () => fake.results.length === 1);
    fake.enqueue('t');
    await waitFor('the next result', () => fake.results.length === 2);
    expect(fake.results.filter((r) => r.task_id === task.task_id)).toHaveLength(1);
  });
});

describe('concurrency', () => {
  it('holds at most `concurrency` tasks at once', async () => {
    let active = 0;
    let most = 0;
    const handler: TaskHandler = async () => {
      active += 1;
      most = Math.max(most, active);
      await new Promise((resolve) => setTimeout(resolve, 50));
      active -= 1;
    };
    await worker({ t: handler }, { concurrency: 2 }).start();
    for (let i = 0; i < 6; i += 1) fake.enqueue('t');
    await waitFor('six results', () => fake.results.length === 6);
    expect(most).toBe(2);
  });
});

describe('cancel', () => {
  it('aborts the task signal on a cancel_task message over the WebSocket and posts no result', async () => {
    const seen: { reason?: unknown } = {};
    await worker({ t: blockingHandler(seen) }).start();
    await waitFor('the socket', () => fake.isSocketOpen('w-test'));
    const task = fake.enqueue('t');
    await waitFor('the task taken', () => workers[0]!.activeTasks === 1);
    expect(fake.sendCancel('w-test', task)).toBe(true);
    await waitFor('the abort', () => seen.reason);
    expect(seen.reason).toBeInstanceOf(TaskAbortedError);
    expect((seen.reason as TaskAbortedError).why).toBe('cancelled');
    await waitFor('the slot freed', () => workers[0]!.activeTasks === 0);
    expect(fake.results).toHaveLength(0);
  });

  it('aborts the task signal when a heartbeat reply lists it in cancelled_tasks', async () => {
    const seen: { reason?: unknown } = {};
    await worker({ t: blockingHandler(seen) }, { websocket: false }).start();
    const task = fake.enqueue('t');
    await waitFor('the task taken', () => workers[0]!.activeTasks === 1);
    fake.cancelled.add(task.task_id);
    await waitFor('the abort', () => seen.reason);
    expect((seen.reason as TaskAbortedError).why).toBe('cancelled');
  });
});

describe('the WebSocket', () => {
  it('reconnects after the server closes it going away (1001)', async () => {
    await worker({ t: () => undefined }).start();
    await waitFor('the socket', () => fake.isSocketOpen('w-test'));
    fake.closeSocket('w-test', 1001);
    await waitFor('a second connection', () => fake.socketConnections.get('w-test') === 2);
  });

  it('does not reconnect after another connection of its worker id replaced it (4000)', async () => {
    await worker({ t: () => undefined }).start();
    await waitFor('the socket', () => fake.isSocketOpen('w-test'));
    fake.closeSocket('w-test', 4000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(fake.socketConnections.get('w-test')).toBe(1);
  });
});

describe('progress', () => {
  it('sends progress_update events over the WebSocket', async () => {
    await worker({
      t: (_task, ctx) => {
        ctx.progress(0.5, 'half way');
      },
    }).start();
    await waitFor('the socket', () => fake.isSocketOpen('w-test'));
    const task = fake.enqueue('t');
    const message = await waitFor('a progress event', () => fake.socketMessages[0]);
    expect(message).toEqual({ event: 'progress_update', job_id: task.job_id, task_id: task.task_id, progress: 0.5, message: 'half way' });
  });

  it('drops progress quietly while the WebSocket is down', async () => {
    await worker({ t: (_task, ctx) => ctx.progress(1) }, { websocket: false }).start();
    fake.enqueue('t');
    await waitFor('a result', () => fake.results[0]);
    expect(fake.results[0]).toMatchObject({ result: { status: 'success' } });
  });
});

describe('a server that goes away', () => {
  it('registers again when a heartbeat gets 404', async () => {
    // Polls wait long, so only a heartbeat can find out that the worker was forgotten.
    fake.pollWaitMs = 10_000;
    await worker({ t: () => undefined }).start();
    await waitFor('a waiting poll', () => fake.count('GET', '/_worker/workers/w-test/tasks/next') === 1);
    fake.workers.clear();
    await waitFor('a second registration', () => fake.registrations.length === 2);
    expect(fake.count('GET', '/_worker/workers/w-test/tasks/next')).toBe(1);
  });

  it('registers again when a poll gets 404', async () => {
    await worker({ t: () => undefined }, { heartbeatInterval: 60_000 }).start();
    fake.workers.clear();
    await waitFor('a second registration', () => fake.registrations.length === 2);
    expect(fake.count('PATCH', '/_worker/workers/w-test')).toBe(0);
  });

  it('waits out a server that is down with growing delays, then registers', async () => {
    await fake.stop();
    const w = worker({ t: () => undefined }, { backoff: { initialMs: 50, maxMs: 400 } });
    const started = w.start();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await fake.start();
    await started;
    expect(fake.registrations).toHaveLength(1);
    fake.enqueue('t');
    await waitFor('a result', () => fake.results.length === 1);
  });

  it('backs off instead of looping while the server answers 503', async () => {
    await worker({ t: () => undefined }, { backoff: { initialMs: 50, maxMs: 400 } }).start();
    fake.override = (req) => (req.path.endsWith('/tasks/next') ? { status: 503, body: { error: 'store down' } } : undefined);
    const before = fake.count('GET', '/_worker/workers/w-test/tasks/next');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // 50, 100, 200, 400, 400 ms windows, each at least half used: at most about 7 polls in a second.
    expect(fake.count('GET', '/_worker/workers/w-test/tasks/next') - before).toBeLessThan(10);
  });

  it('backs off when polls come back 204 at once, as from a draining server', async () => {
    fake.pollWaitMs = 0;
    await worker({ t: () => undefined }, { backoff: { initialMs: 50, maxMs: 400 } }).start();
    const before = fake.count('GET', '/_worker/workers/w-test/tasks/next');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(fake.count('GET', '/_worker/workers/w-test/tasks/next') - before).toBeLessThan(10);
  });

  it('backs off when it cannot register again after a poll got 404', async () => {
    await worker({ t: () => undefined }, { backoff: { initialMs: 50, maxMs: 400 }, heartbeatInterval: 5000 }).start();
    fake.workers.clear();
    fake.override = (req) => (req.path === '/_worker/workers/register' ? { status: 400, body: { error: 'refused' } } : undefined);
    const before = fake.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(fake.requests.length - before).toBeLessThan(30);
  });

  it('keeps working through a restart that forgets it: re-registers, reconnects its socket, takes tasks', async () => {
    await worker({ t: (task) => ({ data: task.params }) }).start();
    await waitFor('the socket', () => fake.isSocketOpen('w-test'));
    await fake.restart(300);
    await waitFor('a second registration', () => fake.registrations.length === 2);
    await waitFor('the socket again', () => fake.isSocketOpen('w-test'));
    fake.enqueue('t', { after: 'restart' });
    const result = await waitFor('a result', () => fake.results[0]);
    expect(result).toMatchObject({ result: { status: 'success', data: { after: 'restart' } } });
  });

  it('keeps retrying a result while the server is down and posts it once it is back', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    await worker({ t: async () => { await gate; return { data: { late: true } }; } }).start();
    fake.enqueue('t');
    await waitFor('the task taken', () => workers[0]!.activeTasks === 1);
    await fake.stop();
    release();
    await new Promise((resolve) => setTimeout(resolve, 400));
    await fake.start();
    const result = await waitFor('the result', () => fake.results[0]);
    expect(result).toMatchObject({ result: { data: { late: true } } });
  });
});

describe('stop()', () => {
  it('stops polling, lets the running task finish and posts its result', async () => {
    const w = worker({ t: () => new Promise((resolve) => setTimeout(() => resolve({ data: { done: true } }), 300)) });
    await w.start();
    fake.enqueue('t');
    await waitFor('the task taken', () => w.activeTasks === 1);
    await w.stop();
    expect(fake.results[0]).toMatchObject({ result: { status: 'success', data: { done: true } } });
    const polls = fake.count('GET', '/_worker/workers/w-test/tasks/next');
    fake.enqueue('t');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(fake.count('GET', '/_worker/workers/w-test/tasks/next')).toBe(polls);
    expect(fake.isSocketOpen('w-test')).toBe(false);
  });

  it('aborts a handler that outlives the stop timeout and reports it as transient', async () => {
    const seen: { reason?: unknown } = {};
    const w = worker({ t: blockingHandler(seen) });
    await w.start();
    fake.enqueue('t');
    await waitFor('the task taken', () => w.activeTasks === 1);
    await w.stop({ timeoutMs: 100 });
    expect((seen.reason as TaskAbortedError).why).toBe('worker_stopping');
    expect(fake.results[0]).toMatchObject({ result: { status: 'failure', error: { code: 'TRANSIENT_ERROR' } } });
  });

  it('resolves after twice the stop timeout even when a handler ignores its signal', async () => {
    const w = worker({ t: () => new Promise(() => undefined) });
    await w.start();
    fake.enqueue('t');
    await waitFor('the task taken', () => w.activeTasks === 1);
    const began = Date.now();
    await w.stop({ timeoutMs: 100 });
    expect(Date.now() - began).toBeLessThan(1000);
    expect(fake.results).toHaveLength(0);
  });

  it('ends an idle worker at once, aborting its waiting long-poll', async () => {
    fake.pollWaitMs = 10_000;
    const w = worker({ t: () => undefined });
    await w.start();
    await waitFor('a waiting poll', () => fake.count('GET', '/_worker/workers/w-test/tasks/next') > 0);
    const began = Date.now();
    await w.stop();
    expect(Date.now() - began).toBeLessThan(500);
  });
});
