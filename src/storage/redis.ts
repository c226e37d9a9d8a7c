/**
 * The Redis store (ioredis): the contracts of contracts.ts with the same semantics as memory.ts, shared
 * by any number of orchestrator processes. Each call is one round trip: a Lua script for every change
 * (scripts.ts), a single command for simple reads. Key names come from redis/keys.ts only; connection
 * handling and the 503 mapping from redis/connection.ts; cross-process notices from redis/notifier.ts.
 * docs/scaling.md describes the layout, the atomicity design and the measured figures.
 */
import { createHash } from 'node:crypto';
import type { ClaimResult, CommitResult, JobChange, JobListQuery, LoadedJob, Store } from './contracts.js';
import { StoreUnavailableError } from '../errors.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { openRedisConnections, toStoreError, type RedisClient, type RedisConnections } from './redis/connection.js';
import { createKeyLayout, DEFAULT_PREFIX, validatePrefix, type KeyLayout } from './redis/keys.js';
import { createRedisNotifier } from './redis/notifier.js';
import { descriptionPairs, taskFrom, tasksFrom, workerFrom } from './redis/records.js';
import { buildScripts, type ScriptName } from './redis/scripts.js';
import type { HistoryEvent, JobRecord, JobStatus, TimerRecord, WorkerRecord } from './types.js';

export interface RedisStoreOptions {
  /** `redis://host:port[/db]`; several comma-separated URLs are Cluster seed nodes. */
  url: string;
  /** Prefix of every key and channel (REDIS_PREFIX). Default `switchyard:`. */
  prefix?: string;
  /** Force or forbid Cluster mode; detected with `INFO cluster` by default. */
  cluster?: boolean;
  /** A Redis call with no reply after this long fails with StoreUnavailableError (503). Default 5000. */
  commandTimeoutMs?: number;
  /** Shown in CLIENT LIST (`<name>-command`, `<name>-subscriber`). Default `switchyard`. */
  connectionName?: string;
  /** Wall clock for retention only (un-indexing expired jobs). Defaults to the system clock. */
  clock?: { now(): number };
}

export interface RedisStore extends Store {
  readonly kind: 'redis';
  /** Redis round trips made so far by this store (each script, command or pipeline counts once). */
  roundTrips(): number;
  /** The key layout in use (after start). */
  keys(): KeyLayout;
}

interface Running {
  connections: RedisConnections;
  client: RedisClient;
  keys: KeyLayout;
  scripts: Record<ScriptName, { keys: number; lua: string; sha: string }>;
}

export function createRedisStore(options: RedisStoreOptions): RedisStore {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  validatePrefix(prefix);
  const clock = options.clock ?? { now: () => Date.now() };
  let running: Running | null = null;
  let starting: Promise<void> | null = null;
  let trips = 0;
  const where = (): string => running?.connections.where ?? options.url;

  /** Every call goes through here: not started -> 503; connection failures -> 503 with a clear message. */
  async function guard<T>(call: (r: Running) => Promise<T>): Promise<T> {
    const r = running;
    if (!r) throw new StoreUnavailableError('the Redis store is not started (or was closed)');
    try {
      return await call(r);
    } catch (error) {
      throw toStoreError(error, where());
    }
  }

  async function run(r: Running, name: ScriptName, keys: string[], args: (string | number)[]): Promise<unknown> {
    const script = r.scripts[name];
    trips += 1;
    try {
      return await r.client.evalsha(script.sha, keys.length, ...keys, ...args);
    } catch (error) {
      // After a restart of Redis (or on a node that never saw it) the script cache is empty.
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      trips += 1;
      return r.client.eval(script.lua, keys.length, ...keys, ...args);
    }
  }

  const notifier = createRedisNotifier((call) => guard(async () => {
    trips += 1;
    return call();
  }));

  async function start(): Promise<void> {
    const connections = await openRedisConnections({
      url: options.url,
      cluster: options.cluster,
      commandTimeoutMs: options.commandTimeoutMs,
      connectionName: options.connectionName ?? 'switchyard',
    });
    const keys = createKeyLayout(prefix, connections.isCluster);
    const built = buildScripts(keys);
    const scripts = {} as Running['scripts'];
    for (const [name, script] of Object.entries(built) as [ScriptName, { keys: number; lua: string }][]) {
      scripts[name] = { ...script, sha: createHash('sha1').update(script.lua).digest('hex') };
    }
    try {
      await notifier.attach(connections.subscriber, connections.command, { wake: keys.wakeChannel, cancel: keys.cancelChannel });
    } catch (error) {
      await connections.close();
      throw toStoreError(error, connections.where);
    }
    running = { connections, client: connections.command, keys, scripts };
  }

  const parseJson = <T>(text: string): T => JSON.parse(text) as T;

  const store: RedisStore = {
    kind: 'redis',
    notifier,
    roundTrips: () => trips,
    keys: () => {
      if (!running) throw new StoreUnavailableError('the Redis store is not started');
      return running.keys;
    },

    jobs: {
      load: (jobId) =>
        guard(async (r) => {
          const reply = (await run(r, 'load', [r.keys.job(jobId)], [jobId])) as [string, string[]] | null;
          if (!reply) return null;
          return { job: parseJson<JobRecord>(reply[0]), tasks: tasksFrom(reply[1]) };
        }),

      commit: (change) => guard(async (r) => commitJob(r, change)),

      history: (jobId) =>
        guard(async (r) => {
          trips += 1;
          const events = await r.client.lrange(r.keys.history(jobId), 0, -1);
          return events.map((event) => parseJson<HistoryEvent>(event));
        }),

      list: (query) => guard(async (r) => listJobs(r, query)),

      countByStatus: () =>
        guard(async (r) => {
          const flat = (await run(r, 'countJobs', [r.keys.counts], [clock.now()])) as string[];
          const counts: Partial<Record<JobStatus, number>> = {};
          for (let i = 0; i + 1 < flat.length; i += 2) {
            const count = Number(flat[i + 1]);
            if (count > 0) counts[flat[i] as JobStatus] = count;
          }
          return counts;
        }),
    },

    idempotency: {
      lookup: (clientId, key) =>
        guard(async (r) => {
          trips += 1;
          return r.client.get(r.keys.idempotency(clientId, key));
        }),
    },

    tasks: {
      claimNextTask: (workerId, now, claimOptions) =>
        guard(async (r): Promise<ClaimResult> => {
          const reply = (await run(r, 'claim', [r.keys.worker(workerId)], [workerId, now, claimOptions.alive_until])) as string[];
          const outcome = reply[0];
          if (outcome === 'claimed') return { outcome: 'claimed', task: taskFrom(reply[1]!, reply[2]!) };
          if (outcome === 'empty' || outcome === 'at_capacity' || outcome === 'unknown_worker') return { outcome };
          throw new Error(`claim script answered "${String(outcome)}"`);
        }),

      returnLease: (jobId, taskId, workerId, now) =>
        guard(async (r) => (await run(r, 'returnLease', [r.keys.job(jobId)], [jobId, taskId, workerId, now])) === 1),

      depths: () =>
        guard(async (r) => {
          trips += 1;
          const all = await r.client.hgetall(r.keys.depth);
          const depths: Record<string, number> = {};
          for (const [type, depth] of Object.entries(all)) if (Number(depth) > 0) depths[type] = Number(depth);
          return depths;
        }),
    },

    workers: {
      register: (worker) =>
        guard(async (r) => {
          await run(r, 'register', [r.keys.worker(worker.worker_id)], [
            worker.worker_id,
            worker.registered_at,
            worker.last_heartbeat,
            worker.expires_at,
            worker.max_concurrent_tasks === null ? '' : worker.max_concurrent_tasks,
            JSON.stringify(worker.supported_tasks),
            JSON.stringify(worker.match),
            JSON.stringify(worker.current_tasks.map((taskId) => [taskId, ''])),
            JSON.stringify(worker.cancelled_tasks),
            ...descriptionPairs(worker.description),
          ]);
        }),

      heartbeat: (workerId, now, beat) =>
        guard(async (r) => {
          const supported = beat.update?.supported_tasks;
          const types =
            Array.isArray(supported) && supported.every((type) => typeof type === 'string') ? JSON.stringify(supported) : '';
          const reply = (await run(r, 'heartbeat', [r.keys.worker(workerId)], [
            workerId,
            now,
            beat.alive_until,
            beat.forget_cancelled_before,
            types,
            ...descriptionPairs(beat.update ?? {}),
          ])) as string[] | null;
          return reply ? workerFrom(reply) : null;
        }),

      get: (workerId, now) =>
        guard(async (r) => {
          trips += 1;
          const flat = await r.client.hgetall(r.keys.worker(workerId));
          const pairs = Object.entries(flat).flat();
          const worker = workerFrom(pairs);
          return worker && worker.expires_at > now ? worker : null;
        }),

      list: (now) =>
        guard(async (r) => {
          const reply = (await run(r, 'listWorkers', [r.keys.workerExpiry], [now])) as string[][];
          return reply
            .map((flat) => workerFrom(flat))
            .filter((worker): worker is WorkerRecord => worker !== null)
            .sort((a, b) => (a.worker_id < b.worker_id ? -1 : a.worker_id > b.worker_id ? 1 : 0));
        }),

      claimExpired: (now, limit) =>
        guard(async (r) => {
          const reply = (await run(r, 'claimExpired', [r.keys.workerExpiry], [now, limit])) as string[][];
          return reply.map((flat) => workerFrom(flat)).filter((worker): worker is WorkerRecord => worker !== null);
        }),
    },

    timers: {
      claimDue: (now, limit, leaseMs) =>
        guard(async (r) => {
          const reply = (await run(r, 'claimTimers', [r.keys.timers], [now, limit, leaseMs])) as string[];
          const timers: TimerRecord[] = [];
          for (let i = 0; i + 1 < reply.length; i += 2) {
            // The record as set, with the due it had when claimed (the lease moved it in the store).
            timers.push({ ...parseJson<TimerRecord>(reply[i]!), due: Number(reply[i + 1]) });
          }
          return timers;
        }),

      nextDue: () =>
        guard(async (r) => {
          trips += 1;
          const first = await r.client.zrange(r.keys.timers, '0', '0', 'WITHSCORES');
          return first.length >= 2 ? Number(first[1]) : null;
        }),

      set: (timers) =>
        guard(async (r) => {
          if (timers.length === 0) return;
          await run(r, 'setTimers', [r.keys.timers], timers.flatMap((timer) => [timer.id, timer.due, JSON.stringify(timer)]));
        }),

      clear: (timerIds) =>
        guard(async (r) => {
          if (timerIds.length === 0) return;
          await run(r, 'clearTimers', [r.keys.timers], timerIds);
        }),

      settle: (timerId, outcome) =>
        guard(async (r) => {
          const next = outcome.next;
          await run(r, 'settle', [r.keys.job(outcome.job_id)], [
            outcome.job_id,
            timerId,
            next ? next.id : '',
            next ? next.due : 0,
            next ? JSON.stringify(next) : '',
            ...outcome.history.map((event) => JSON.stringify(event)),
          ]);
        }),
    },

    start() {
      if (running) return Promise.resolve();
      starting ??= start().finally(() => {
        starting = null;
      });
      return starting;
    },

    async close() {
      const r = running;
      running = null;
      if (!r) return;
      notifier.detach();
      await r.connections.close();
    },

    flush: () =>
      guard(async (r) => {
        const nodes = 'nodes' in r.client && r.connections.isCluster ? r.client.nodes('master') : [r.client];
        for (const node of nodes) {
          let cursor = '0';
          do {
            trips += 1;
            const [next, found] = await node.scan(cursor, 'MATCH', r.keys.scanPattern, 'COUNT', 1000);
            cursor = next;
            // UNLINK one key at a time on a Cluster node: keys of one scan batch may sit in other slots.
            if (found.length > 0) {
              trips += 1;
              if (r.connections.isCluster) await Promise.all(found.map((key) => node.unlink(key)));
              else await node.unlink(...found);
            }
          } while (cursor !== '0');
        }
      }),
  };

  async function commitJob(r: Running, change: JobChange): Promise<CommitResult> {
    const job = change.job;
    if (job.version !== (change.expected_version ?? 0) + 1) {
      throw new Error(`job ${job.id}: version ${job.version} must be expected_version + 1`);
    }
    if (job.id.includes('|')) throw new Error(`job id "${job.id}" must not contain "|" (the Redis queue member separator)`);
    const enqueue = change.enqueue ?? [];
    const timers = change.set_timers ?? [];
    const history = change.history ?? [];
    const idempotencyKey =
      change.expected_version === null && change.idempotency
        ? r.keys.idempotency(change.idempotency.client_id, change.idempotency.key)
        : '';
    const header = {
      id: job.id,
      ev: change.expected_version ?? -1,
      v: job.version,
      s: job.status,
      c: job.client_id,
      b: job.blueprint,
      t: job.created_at,
      at: job.updated_at,
      exp: change.expire_at ?? -1,
      idem: idempotencyKey,
      et: (change.expect_tasks ?? []).map((e) => [e.task_id, e.status, e.worker_id ?? '']),
      wd: (change.withdraw ?? []).map((w) => [w.task_id, w.reason]),
      ct: change.clear_timers ?? [],
      ne: enqueue.length,
      nt: timers.length,
      nh: history.length,
    };
    const args: (string | number)[] = [JSON.stringify(header), JSON.stringify(job)];
    for (const task of enqueue) {
      const queued = { ...task, status: 'queued', worker_id: null, leased_at: null, deadline: null, queued_at: job.updated_at };
      const hasRequires = task.requires !== null && Object.keys(task.requires).length > 0;
      args.push(task.task_id, task.type, task.priority, hasRequires ? '1' : '0', task.dispatch_timer_id ?? '', task.lease_timer_id, JSON.stringify(queued));
    }
    for (const timer of timers) args.push(timer.id, timer.due, JSON.stringify(timer));
    for (const event of history) args.push(JSON.stringify(event));
    const [reason, detail] = (await run(r, 'commit', [r.keys.job(job.id)], args)) as [string, string];
    switch (reason) {
      case 'ok':
        return { ok: true, cancelled: parseJson(detail) };
      case 'version':
        return { ok: false, reason: 'version', current_version: detail === '' ? null : Number(detail) };
      case 'exists':
        return { ok: false, reason: 'exists' };
      case 'task_mismatch':
        return { ok: false, reason: 'task_mismatch', task_id: detail };
      case 'idempotent':
        return { ok: false, reason: 'idempotent', job_id: detail };
      default:
        throw new Error(`commit script answered "${reason}"`);
    }
  }

  async function listJobs(r: Running, query: JobListQuery): Promise<{ jobs: LoadedJob[]; next_cursor: string | null }> {
    const after = query.cursor === undefined ? null : decodeCursor(query.cursor);
    const reply = (await run(r, 'listJobs', [r.keys.jobIndex], [
      clock.now(),
      query.limit,
      query.client_id ?? '',
      query.status ?? '',
      query.blueprint ?? '',
      query.id_contains ?? '',
      after ? after.created_at : '',
      after ? after.id : '',
    ])) as [[string, string, string, string[]][], string, string, string];
    const [rows, lastScore, lastId, truncated] = reply;
    const page = rows.slice(0, query.limit);
    const jobs = page.map(([, , doc, tasks]) => ({ job: parseJson<JobRecord>(doc), tasks: tasksFrom(tasks) }));
    let next: string | null = null;
    if (rows.length > query.limit) {
      const last = page.at(-1)!;
      next = encodeCursor({ created_at: Number(last[1]), id: last[0] });
    } else if (truncated === '1') {
      // The script stopped after LIST_SCAN_LIMIT index entries: a short page that is not the last.
      next = encodeCursor({ created_at: Number(lastScore), id: lastId });
    }
    return { jobs, next_cursor: next };
  }

  return store;
}
