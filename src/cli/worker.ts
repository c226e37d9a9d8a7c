/**
 * `switchyard worker`: runs the example worker of src/worker-sdk/example-handlers.ts against an
 * orchestrator, for the quick start and for trying blueprints without writing a worker.
 */
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { DEMO_HANDLERS } from '../worker-sdk/demo-handlers.js';
import { EXAMPLE_HANDLERS, echo } from '../worker-sdk/example-handlers.js';
import { WorkerRejectedError, createWorker } from '../worker-sdk/index.js';
import type { TaskHandler, WorkerLogger, WorkerResources } from '../worker-sdk/index.js';

const USAGE = `Usage: switchyard worker --tasks <list> [options]

Runs an example worker. Each entry of --tasks is a task type, optionally "type=handler":
  echo    returns its params as data (any type that is not a handler name below runs echo)
  sleep   waits params.ms or params.seconds (default 1 s), reporting progress; stops when cancelled
  fail    throws the error named by params.code (transient | permanent | invalid_input; default
          transient); with params.fail_times: N only the first N attempts fail
  all     echo, sleep, fail, and stand-ins for every task type of the example blueprints
          (doc.ocr, payment.charge, video.transcode...)
  e.g. --tasks echo,sleep,fail   or   --tasks image.resize=sleep,image.tag=echo

Options:
  --tasks <list>        task types to take, comma separated (required)
  --url <url>           orchestrator URL (env SWITCHYARD_URL, default http://127.0.0.1:8080)
  --token <token>       worker token (env WORKER_TOKEN, then GLOBAL_WORKER_TOKEN)
  --id <worker_id>      worker id (default worker-<host>-<pid>)
  --concurrency <n>     tasks held at once (default 1)
  --heartbeat <ms>      milliseconds between heartbeats (default 10000)
  --resources <json>    registered resources, e.g. '{"cpu_cores":4,"memory_gb":8,"gpu":{"model":"NVIDIA A100","vram_gb":40}}'
  --models <list>       registered models, comma separated (e.g. tesseract-5)
  -h, --help            this text

SIGINT/SIGTERM stop taking tasks and let running ones finish (30 s); a second signal exits at once.`;

class UsageError extends Error {}

export async function run(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions(argv, env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`switchyard worker: ${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (options === 'help') {
    console.log(USAGE);
    return;
  }
  const logger = createLogger(env);
  const worker = createWorker({ ...options, logger });
  let signals = 0;
  const stopped = new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      signals += 1;
      if (signals > 1) process.exit(130);
      logger.info({ signal }, 'stopping: finishing running tasks (a second signal exits at once)');
      void worker.stop({ timeoutMs: 30_000 }).then(() => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        resolve();
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  try {
    await worker.start();
  } catch (error) {
    if (!(error instanceof WorkerRejectedError)) throw error;
    logger.error({ status: error.status }, error.message);
    await worker.stop();
    process.exitCode = 1;
    return;
  }
  if (signals === 0) logger.info({ worker_id: worker.workerId, url: options.url, tasks: Object.keys(options.tasks) }, 'worker running');
  await stopped;
}

function parseOptions(argv: string[], env: NodeJS.ProcessEnv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        tasks: { type: 'string' },
        url: { type: 'string' },
        token: { type: 'string' },
        id: { type: 'string' },
        concurrency: { type: 'string' },
        heartbeat: { type: 'string' },
        resources: { type: 'string' },
        models: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) return 'help' as const;
  if (!values.tasks) throw new UsageError('--tasks is required');
  const token = values.token ?? env.WORKER_TOKEN ?? env.GLOBAL_WORKER_TOKEN;
  if (!token) throw new UsageError('no worker token: pass --token or set WORKER_TOKEN or GLOBAL_WORKER_TOKEN');
  const url = values.url ?? env.SWITCHYARD_URL ?? 'http://127.0.0.1:8080';
  if (!/^https?:\/\/[^/]/.test(url)) throw new UsageError(`--url must be an http(s) URL, got "${url}"`);
  return {
    url,
    token,
    workerId: values.id ?? `worker-${hostname().replace(/[^A-Za-z0-9._-]/g, '-')}-${process.pid}`,
    tasks: parseTasks(values.tasks),
    concurrency: positiveInteger('--concurrency', values.concurrency, 1),
    heartbeatInterval: positiveInteger('--heartbeat', values.heartbeat, 10_000),
    ...(values.resources === undefined ? {} : { resources: parseResources(values.resources) }),
    ...(values.models === undefined ? {} : { models: values.models.split(',').map((m) => m.trim()).filter(Boolean) }),
  };
}

function parseTasks(list: string): Record<string, TaskHandler> {
  const tasks: Record<string, TaskHandler> = {};
  for (const entry of list.split(',').map((item) => item.trim()).filter(Boolean)) {
    if (entry === 'all') {
      Object.assign(tasks, EXAMPLE_HANDLERS, DEMO_HANDLERS);
      continue;
    }
    const [type = '', handlerName = type] = entry.split('=').map((part) => part.trim());
    if (!type) throw new UsageError(`--tasks: "${entry}" has no task type`);
    const handler = EXAMPLE_HANDLERS[handlerName] ?? DEMO_HANDLERS[handlerName];
    if (!handler && handlerName !== type) {
      throw new UsageError(`--tasks: unknown handler "${handlerName}" (known: ${Object.keys(EXAMPLE_HANDLERS).join(', ')}, or a demo task type)`);
    }
    tasks[type] = handler ?? echo;
  }
  if (Object.keys(tasks).length === 0) throw new UsageError('--tasks names no task type');
  return tasks;
}

function parseResources(json: string): WorkerResources {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new UsageError(`--resources is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError('--resources must be a JSON object');
  return value as WorkerResources;
}

function positiveInteger(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`${name} must be a positive integer, got "${text}"`);
  return value;
}

function createLogger(env: NodeJS.ProcessEnv): WorkerLogger {
  const level = env.LOG_LEVEL ?? 'info';
  return process.stdout.isTTY
    ? pino({ level, transport: { target: 'pino-pretty', options: { destination: 1 } } })
    : pino({ level });
}
