import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { pathToFileURL } from 'node:url';
import Koa from 'koa';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import { installProbe, send } from './child/probe.js';

/**
 * The ceiling: a bare Koa server (the HTTP stack Switchyard uses: Koa, @koa/router, @koa/bodyparser)
 * that answers the seed API's exchanges of a job with no logic beyond what the exchanges need. Create
 * answers an id and queues the job's canned tasks; a long-poll answers at once when a task is queued and
 * otherwise waits until one is (or 204 at its timeout); a result counts down the job's tasks; a status
 * read answers the job's status. Whatever Switchyard does beyond this is its overhead.
 *
 * A job has `tasksPerJob` tasks, queued one after another (a sequence, like the five-state blueprint's
 * two tasks) or all at once (`parallel`, like a fan-out), so each scenario has a ceiling with the same
 * number of exchanges per job.
 */
export interface CeilingOptions {
  port?: number;
  host?: string;
  clientToken: string;
  workerToken: string;
  clientHeader?: string;
  workerHeader?: string;
  tasksPerJob?: number;
  parallel?: boolean;
  taskType?: string;
  defaultPollTimeoutS?: number;
}

interface CeilingJob {
  id: string;
  status: 'waiting_for_worker' | 'finished';
  remaining: number;
  queued: number;
  parallel: boolean;
  created_at: string;
}

interface CannedTask {
  job_id: string;
  task_id: string;
  type: string;
  params: Record<string, unknown>;
  priority: number;
  attempt: number;
  deadline: null;
  tracing_context: Record<string, unknown>;
  params_metadata: Record<string, unknown>;
}

export interface CeilingServer {
  url: string;
  port: number;
  /** Long-polls being held right now. */
  readonly waitingPolls: number;
  /** Changes the shape of jobs created from now on. */
  configure(shape: { tasksPerJob?: number; parallel?: boolean }): void;
  close(): Promise<void>;
}

export async function startCeilingServer(options: CeilingOptions): Promise<CeilingServer> {
  const clientHeader = (options.clientHeader ?? 'X-Client-Token').toLowerCase();
  const workerHeader = (options.workerHeader ?? 'X-Worker-Token').toLowerCase();
  let tasksPerJob = options.tasksPerJob ?? 1;
  let parallel = options.parallel ?? false;
  const taskType = options.taskType ?? 'echo';
  const jobs = new Map<string, CeilingJob>();
  const queue: CannedTask[] = [];
  let queueHead = 0;
  const waiters = new Set<(task: CannedTask | null) => void>();

  const enqueue = (job: CeilingJob): void => {
    job.queued += 1;
    const task: CannedTask = {
      job_id: job.id,
      task_id: `${job.id}:${job.queued}`,
      type: taskType,
      params: {},
      priority: 0,
      attempt: 1,
      deadline: null,
      tracing_context: {},
      params_metadata: {},
    };
    const waiter = waiters.values().next();
    if (!waiter.done) {
      waiters.delete(waiter.value);
      waiter.value(task);
    } else {
      queue.push(task);
    }
  };

  const takeQueued = (): CannedTask | undefined => {
    if (queueHead >= queue.length) return undefined;
    const task = queue[queueHead]!;
    queueHead += 1;
    if (queueHead > 4096 && queueHead * 2 > queue.length) {
      queue.splice(0, queueHead);
      queueHead = 0;
    }
    return task;
  };

  const app = new Koa();
  const router = new Router();

  app.use(async (ctx, next) => {
    if (ctx.path.startsWith('/api/') && ctx.get(clientHeader) !== options.clientToken) {
      ctx.status = 401;
      ctx.body = { error: 'bad client token', code: 'UNAUTHORIZED' };
      return;
    }
    if (ctx.path.startsWith('/_worker/') && ctx.get(workerHeader) !== options.workerToken) {
      ctx.status = 401;
      ctx.body = { error: 'bad worker token', code: 'UNAUTHORIZED' };
      return;
    }
    await next();
  });
  app.use(bodyParser());

  router.get('/_public/status', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  // Any create path: the endpoint is an option of the generator.
  router.post(/^\/api\/v\d+\/.+$/, (ctx) => {
    const job: CeilingJob = {
      id: randomUUID(),
      status: 'waiting_for_worker',
      remaining: tasksPerJob,
      queued: 0,
      parallel,
      created_at: new Date().toISOString(),
    };
    jobs.set(job.id, job);
    const first = parallel ? tasksPerJob : 1;
    for (let i = 0; i < first; i += 1) enqueue(job);
    ctx.status = 202;
    ctx.body = { status: 'accepted', job_id: job.id };
  });

  router.get('/api/v1/jobs/:id', (ctx) => {
    const job = jobs.get(ctx.params.id!);
    if (!job) {
      ctx.status = 404;
      ctx.body = { error: `job ${ctx.params.id} not found`, code: 'NOT_FOUND' };
      return;
    }
    ctx.body = job;
  });

  router.post('/_worker/workers/register', (ctx) => {
    ctx.body = { status: 'registered' };
  });

  router.get('/_worker/workers/:workerId/tasks/next', async (ctx) => {
    const queued = takeQueued();
    if (queued) {
      ctx.body = queued;
      return;
    }
    const timeoutS = Number(ctx.query.timeout ?? options.defaultPollTimeoutS ?? 30);
    const task = await new Promise<CannedTask | null>((resolve) => {
      const done = (value: CannedTask | null): void => {
        clearTimeout(timer);
        ctx.req.off('close', onClose);
        resolve(value);
      };
      const timer = setTimeout(() => {
        waiters.delete(done);
        done(null);
      }, timeoutS * 1000);
      const onClose = (): void => {
        waiters.delete(done);
        done(null);
      };
      ctx.req.on('close', onClose);
      waiters.add(done);
    });
    if (task) ctx.body = task;
    else ctx.status = 204;
  });

  router.post('/_worker/tasks/result', (ctx) => {
    const body = ctx.request.body as { job_id?: string };
    const job = body.job_id === undefined ? undefined : jobs.get(body.job_id);
    if (!job) {
      ctx.status = 409;
      ctx.body = { error: 'unknown job', code: 'CONFLICT' };
      return;
    }
    job.remaining -= 1;
    if (job.remaining === 0) job.status = 'finished';
    else if (!job.parallel) enqueue(job);
    ctx.body = { status: 'result_accepted_success' };
  });

  app.use(router.routes());

  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve(listening));
  });
  // Long-polls outlive Node's default request and keep-alive timeouts.
  server.requestTimeout = 0;
  server.keepAliveTimeout = 65_000;
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get waitingPolls() {
      return waiters.size;
    },
    configure(shape) {
      if (shape.tasksPerJob !== undefined) tasksPerJob = shape.tasksPerJob;
      if (shape.parallel !== undefined) parallel = shape.parallel;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const waiter of [...waiters]) waiter(null);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Run as a child process of the bench: settings come from the environment, the port goes back over IPC. */
async function main(): Promise<void> {
  const env = process.env;
  const server = await startCeilingServer({
    clientToken: env.BENCH_CLIENT_TOKEN ?? 'bench-client-token',
    workerToken: env.BENCH_WORKER_TOKEN ?? 'bench-worker-token',
    clientHeader: env.BENCH_CLIENT_HEADER ?? 'X-Client-Token',
    workerHeader: env.BENCH_WORKER_HEADER ?? 'X-Worker-Token',
    tasksPerJob: Number(env.BENCH_TASKS_PER_JOB ?? 1),
    parallel: env.BENCH_PARALLEL === '1',
    taskType: env.BENCH_TASK_TYPE ?? 'echo',
  });
  installProbe(
    () => ({ waitingPolls: server.waitingPolls }),
    (config) =>
      server.configure({
        ...(typeof config.tasksPerJob === 'number' ? { tasksPerJob: config.tasksPerJob } : {}),
        ...(typeof config.parallel === 'boolean' ? { parallel: config.parallel } : {}),
      }),
  );
  // A normal exit, so that --cpu-prof can write its profile.
  process.once('SIGTERM', () => void server.close().finally(() => process.exit(0)));
  send({ type: 'ready', port: server.port });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    send({ type: 'failed', error: error instanceof Error ? error.stack ?? error.message : String(error) });
    process.exit(1);
  });
}
