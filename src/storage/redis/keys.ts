/**
 * Every Redis key and channel name of the store, built here from the prefix (`REDIS_PREFIX`, default
 * `switchyard:`) and nowhere else. The Lua scripts get the same names from `luaKeyHelpers`, which is
 * generated from the same templates, so a key cannot be spelled two ways.
 *
 * Layout (root = prefix on a standalone Redis, `{prefix}` on a Cluster, see docs/scaling.md):
 *   root job:{<id>}            hash   v (version), s (status), c (client), b (blueprint), t (created_at),
 *                                     i (idempotency key name), doc (the JobRecord JSON)
 *   root job:{<id>}:h          list   history events (JSON), oldest first
 *   root job:{<id>}:t          hash   <task id> -> TaskRecord JSON as queued; <task id>:m -> lease meta
 *   root q:<type>              zset   queued tasks, score -priority, member `<seq16>|<r>|<job id>|<task id>`
 *   root depth                 hash   task type -> queued count
 *   root seq                   string enqueue counter (FIFO order within a priority)
 *   root w:<id>                hash   one worker (see scripts.ts)
 *   root wexp                  zset   worker id by expires_at
 *   root tm                    zset   timer id by due;  root tmr  hash  timer id -> TimerRecord JSON
 *   root jobs / jobs:c:<client> zset  job ids by created_at (listing)
 *   root counts                hash   status -> number of jobs
 *   root ending / ended        zset of job ids by expire_at / hash job id -> what to un-index then
 *   root idem:<len>:<client>:<key>    string  the job id first created with that key
 * Channels: root wake (task type), root cancel (CancelNotice JSON).
 *
 * The keys of one job share the hash tag `{<job id>}`. On a Cluster the root itself is a hash tag, so
 * every key of one Switchyard lives in one slot and every script stays atomic (docs/scaling.md).
 */

export interface KeyLayout {
  readonly root: string;
  job(jobId: string): string;
  history(jobId: string): string;
  jobTasks(jobId: string): string;
  queue(taskType: string): string;
  depth: string;
  seq: string;
  worker(workerId: string): string;
  workerExpiry: string;
  timers: string;
  timerRecords: string;
  jobIndex: string;
  clientIndex(clientId: string): string;
  counts: string;
  ending: string;
  ended: string;
  idempotency(clientId: string, key: string): string;
  wakeChannel: string;
  cancelChannel: string;
  /** SCAN MATCH pattern for every key of this Switchyard (glob characters of the prefix escaped). */
  scanPattern: string;
}

export const DEFAULT_PREFIX = 'switchyard:';

/** Throws when the prefix would break hash tags or key parsing. */
export function validatePrefix(prefix: string): void {
  if (prefix.length === 0 || prefix.length > 64 || /[{}\s]/.test(prefix)) {
    throw new Error(`REDIS_PREFIX "${prefix}" must be 1-64 characters without braces or spaces, e.g. "switchyard:"`);
  }
}

/** `[prefix, suffix]` around an id: the single template both TypeScript and Lua build names from. */
function templates(root: string) {
  return {
    job: [`${root}job:{`, '}'],
    history: [`${root}job:{`, '}:h'],
    jobTasks: [`${root}job:{`, '}:t'],
    queue: [`${root}q:`, ''],
    worker: [`${root}w:`, ''],
    clientIndex: [`${root}jobs:c:`, ''],
  } as const;
}

export function createKeyLayout(prefix: string = DEFAULT_PREFIX, cluster = false): KeyLayout {
  validatePrefix(prefix);
  const root = cluster ? `{${prefix}}` : prefix;
  const t = templates(root);
  const build = (template: readonly [string, string]) => (id: string) => `${template[0]}${id}${template[1]}`;
  return {
    root,
    job: build(t.job),
    history: build(t.history),
    jobTasks: build(t.jobTasks),
    queue: build(t.queue),
    depth: `${root}depth`,
    seq: `${root}seq`,
    worker: build(t.worker),
    workerExpiry: `${root}wexp`,
    timers: `${root}tm`,
    timerRecords: `${root}tmr`,
    jobIndex: `${root}jobs`,
    clientIndex: build(t.clientIndex),
    counts: `${root}counts`,
    ending: `${root}ending`,
    ended: `${root}ended`,
    // Length-prefixed so that no (client, key) pair can collide with another.
    idempotency: (clientId, key) => `${root}idem:${clientId.length}:${clientId}:${key}`,
    wakeChannel: `${root}wake`,
    cancelChannel: `${root}cancel`,
    scanPattern: `${root.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`,
  };
}

/** A Lua string literal for any text. */
function luaString(text: string): string {
  return `"${[...Buffer.from(text, 'utf8')].map((byte) => `\\${byte}`).join('')}"`;
}

/**
 * Lua functions and constants for the scripts: `K.job(id)`, `K.history(id)`, ... and `K.depth`, ...
 * Dynamic keys (a job found through a queue member, a worker's tasks) are built with these inside the
 * script; this is safe on a Cluster because every key of one Switchyard shares the root's slot there.
 */
export function luaKeyHelpers(layout: KeyLayout): string {
  const t = templates(layout.root);
  const fn = (name: keyof ReturnType<typeof templates>): string =>
    `K.${name} = function(id) return ${luaString(t[name][0])} .. id .. ${luaString(t[name][1])} end`;
  const constant = (name: keyof KeyLayout): string => `K.${name} = ${luaString(layout[name] as string)}`;
  return [
    'local K = {}',
    fn('job'),
    fn('history'),
    fn('jobTasks'),
    fn('queue'),
    fn('worker'),
    fn('clientIndex'),
    constant('depth'),
    constant('seq'),
    constant('workerExpiry'),
    constant('timers'),
    constant('timerRecords'),
    constant('jobIndex'),
    constant('counts'),
    constant('ending'),
    constant('ended'),
    constant('wakeChannel'),
  ].join('\n');
}
