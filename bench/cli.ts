import { parseArgs } from 'node:util';
import type { ExternalServer } from './targets.js';

/** Command-line options of `npm run bench`. */
export interface BenchArgs {
  quick: boolean;
  scenarios: string[];
  list: boolean;
  external?: ExternalServer;
  clients?: number;
  workers?: number;
  durationMs?: number;
  noRedis: boolean;
  logLevel: string;
  cpuProfile: boolean;
  out?: string;
  markdown: boolean;
  /** Only these set-ups (ceiling, memory, redis-1, redis-2); the ceiling always runs for the ratio. */
  targets?: string[];
}

export const USAGE = `npm run bench -- [options]

  --quick                 a short version of every scenario (about a minute; CI runs this)
  --scenario NAME         run one scenario (repeat, or give a comma list); --list shows them
  --clients N --workers N --duration SECONDS   the load shape of throughput scenarios
  --no-redis              skip the Redis set-ups
  --targets LIST          only these set-ups: memory,redis-1,redis-2 (the ceiling always runs)
  --log-level LEVEL       Switchyard's LOG_LEVEL during the bench (default warn)
  --cpu-prof              write V8 CPU profiles of the Switchyard processes to bench/results/profiles/
  --out FILE              where to write the JSON results (default bench/results/<time>.json)
  --markdown              also print the tables as Markdown (for docs/benchmarks.md)

  Drive another server of the same API (the ceiling still runs locally, for the ratio):
  --url URL[,URL]         base URL(s); several URLs spread clients and workers over processes
  --client-token T --worker-token T
  --endpoint PATH         create path, e.g. /api/v1/jobs/hello
  --task-type TYPE        the task type the simulated workers take (default echo)
  --client-header NAME --worker-header NAME   (defaults X-Client-Token, X-Worker-Token)
  --server-pid PID        read that process's CPU and memory from /proc
`;

function positive(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got "${value}"`);
  return n;
}

export function parseBenchArgs(argv: string[]): BenchArgs {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      quick: { type: 'boolean', default: false },
      scenario: { type: 'string', multiple: true },
      list: { type: 'boolean', default: false },
      url: { type: 'string' },
      'client-token': { type: 'string' },
      'worker-token': { type: 'string' },
      endpoint: { type: 'string' },
      'task-type': { type: 'string' },
      'client-header': { type: 'string' },
      'worker-header': { type: 'string' },
      'server-pid': { type: 'string' },
      clients: { type: 'string' },
      workers: { type: 'string' },
      duration: { type: 'string' },
      'no-redis': { type: 'boolean', default: false },
      targets: { type: 'string' },
      'log-level': { type: 'string', default: 'warn' },
      'cpu-prof': { type: 'boolean', default: false },
      out: { type: 'string' },
      markdown: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const args: BenchArgs = {
    quick: values.quick,
    scenarios: (values.scenario ?? []).flatMap((s) => s.split(',')).filter((s) => s.length > 0),
    list: values.list,
    noRedis: values['no-redis'],
    logLevel: values['log-level'],
    cpuProfile: values['cpu-prof'],
    markdown: values.markdown,
  };
  const clients = positive('clients', values.clients);
  const workers = positive('workers', values.workers);
  const duration = positive('duration', values.duration);
  if (clients !== undefined) args.clients = Math.round(clients);
  if (workers !== undefined) args.workers = Math.round(workers);
  if (duration !== undefined) args.durationMs = duration * 1000;
  if (values.out !== undefined) args.out = values.out;
  if (values.targets !== undefined) {
    const known = ['ceiling', 'memory', 'redis-1', 'redis-2'];
    const targets = values.targets.split(',').filter((t) => t.length > 0);
    const unknown = targets.filter((t) => !known.includes(t));
    if (unknown.length > 0) throw new Error(`--targets: unknown ${unknown.join(', ')}; known: ${known.join(', ')}`);
    args.targets = targets;
  }
  if (values.url !== undefined) {
    const missing = (['client-token', 'worker-token', 'endpoint'] as const).filter((k) => values[k] === undefined);
    if (missing.length > 0) throw new Error(`--url needs ${missing.map((k) => `--${k}`).join(', ')}`);
    const external: ExternalServer = {
      urls: values.url.split(',').map((u) => u.replace(/\/+$/, '')),
      clientToken: values['client-token']!,
      workerToken: values['worker-token']!,
      endpoint: values.endpoint!,
      taskType: values['task-type'] ?? 'echo',
      clientHeader: values['client-header'] ?? 'X-Client-Token',
      workerHeader: values['worker-header'] ?? 'X-Worker-Token',
    };
    const pid = positive('server-pid', values['server-pid']);
    if (pid !== undefined) external.pid = pid;
    args.external = external;
  }
  return args;
}
