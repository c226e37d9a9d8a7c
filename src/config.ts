/**
 * The configuration, read once from the environment at start, validated with every problem reported in
 * one ConfigError, and frozen. Only this module and src/main.ts read `process.env` (callers pass `env`).
 * No secret has a default: a missing CLIENT_TOKEN / GLOBAL_WORKER_TOKEN is generated here and handed
 * back in `generatedTokens` so that the CLI can print it once. Every token is kept as its sha256 hash.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import picomatch from 'picomatch';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from './errors.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A client allowed to use `/api`: its name is the client id that owns its jobs. */
export interface ClientCredential {
  readonly name: string;
  readonly tokenHash: Buffer;
}

/** An individual worker token, valid only for worker ids that match `pattern` (a picomatch glob). */
export interface WorkerCredential {
  readonly pattern: string;
  readonly matches: (workerId: string) => boolean;
  readonly tokenHash: Buffer;
}

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly blueprintsDir: string;
  readonly redisUrl: string | undefined;
  readonly redisPrefix: string;
  readonly clients: readonly ClientCredential[];
  readonly globalWorkerTokenHash: Buffer;
  readonly workers: readonly WorkerCredential[];
  readonly workerPollTimeoutMs: number;
  readonly workerTtlMs: number;
  readonly enableDebugEndpoints: boolean;
  readonly maxBodyBytes: number;
  readonly logLevel: LogLevel;
  readonly maxTransitions: number;
  readonly jobRetentionMs: number;
  /** Memory store only: ended jobs kept at most (the first ended is forgotten first). */
  readonly memoryMaxEndedJobs: number;
  readonly webhookSecret: string | undefined;
  readonly webhookTimeoutMs: number;
  readonly webhookAllowedHosts: readonly string[] | undefined;
  readonly maxFanOut: number;
  readonly maxJobDataBytes: number;
  /** Requests per second per client token; undefined = no limit. */
  readonly rateLimitClient: number | undefined;
  /** Requests per second per worker id; undefined = no limit. */
  readonly rateLimitWorker: number | undefined;
  readonly maxPollsPerWorker: number;
  /** Tokens that were not configured and were generated now: print them once, never log them. */
  readonly generatedTokens: Readonly<{ CLIENT_TOKEN?: string; GLOBAL_WORKER_TOKEN?: string }>;
}

/** The client id of jobs created with CLIENT_TOKEN (clients from CLIENTS_CONFIG use their name). */
export const DEFAULT_CLIENT_ID = 'default';

export type Env = Readonly<Record<string, string | undefined>>;

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** `500ms`, `30s`, `5m`, `2h`, `1d`, or a number of seconds -> milliseconds; undefined if malformed. */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(text);
  if (!match) return undefined;
  const unit = (match[2] ?? 's').toLowerCase();
  return Math.round(Number(match[1]) * (DURATION_UNITS[unit] ?? 1000));
}

/** `1mb`, `512kb`, `2gb`, or a number of bytes -> bytes; undefined if malformed. */
export function parseSize(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(text);
  if (!match) return undefined;
  const unit = (match[2] ?? 'b').toLowerCase();
  return Math.floor(Number(match[1]) * (SIZE_UNITS[unit] ?? 1));
}

/** Collects problems instead of throwing at the first, so one start shows them all. */
class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const text = this.raw(name);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!/^-?\d+$/.test(text) || value < min || value > max) {
      this.problems.push(`${name}=${JSON.stringify(text)}: expected an integer from ${min} to ${max}`);
      return fallback;
    }
    return value;
  }

  optionalRate(name: string): number | undefined {
    const text = this.raw(name);
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!Number.isFinite(value) || value <= 0) {
      this.problems.push(`${name}=${JSON.stringify(text)}: expected a positive number of requests per second, or unset for no limit`);
      return undefined;
    }
    return value;
  }

  duration(name: string, fallback: string, minMs = 1): number {
    const text = this.raw(name) ?? fallback;
    const ms = parseDuration(text);
    if (ms === undefined || ms < minMs) {
      this.problems.push(`${name}=${JSON.stringify(text)}: expected a duration such as 500ms, 30s, 5m, 1d or a number of seconds (at least ${minMs}ms)`);
      return parseDuration(fallback) ?? minMs;
    }
    return ms;
  }

  size(name: string, fallback: string): number {
    const text = this.raw(name) ?? fallback;
    const bytes = parseSize(text);
    if (bytes === undefined || bytes < 1) {
      this.problems.push(`${name}=${JSON.stringify(text)}: expected a size such as 1mb, 512kb or a number of bytes`);
      return parseSize(fallback) ?? 1;
    }
    return bytes;
  }

  boolean(name: string, fallback: boolean): boolean {
    const text = this.raw(name);
    if (text === undefined) return fallback;
    const lower = text.toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(lower)) return true;
    if (['false', '0', 'no', 'off'].includes(lower)) return false;
    this.problems.push(`${name}=${JSON.stringify(text)}: expected true or false`);
    return fallback;
  }

  /** Parses a YAML file that must hold a list of objects; problems name the file and the entry. */
  yamlList(name: string): { file: string; items: Record<string, unknown>[] } | undefined {
    const file = this.raw(name);
    if (file === undefined) return undefined;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      this.problems.push(`${name}=${file}: cannot read the file (${(error as Error).message})`);
      return undefined;
    }
    let doc: unknown;
    try {
      doc = parseYaml(text);
    } catch (error) {
      this.problems.push(`${name}=${file}: not valid YAML (${(error as Error).message.split('\n')[0]})`);
      return undefined;
    }
    if (!Array.isArray(doc)) {
      this.problems.push(`${name}=${file}: expected a YAML list of entries`);
      return undefined;
    }
    const items: Record<string, unknown>[] = [];
    doc.forEach((item: unknown, index) => {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        this.problems.push(`${name}=${file}: entry ${index} is not a mapping`);
      } else {
        items.push(item as Record<string, unknown>);
      }
    });
    return { file, items };
  }
}

const MIN_TOKEN_LENGTH = 16;

function checkToken(reader: Reader, where: string, token: unknown): token is string {
  if (typeof token !== 'string' || token.length === 0) {
    reader.problems.push(`${where}: token is missing`);
    return false;
  }
  if (token.length < MIN_TOKEN_LENGTH) {
    reader.problems.push(`${where}: token is shorter than ${MIN_TOKEN_LENGTH} characters; use a long random value (openssl rand -hex 24)`);
    return false;
  }
  return true;
}

function newToken(): string {
  return randomBytes(24).toString('base64url');
}

function readClients(reader: Reader, defaultToken: string): ClientCredential[] {
  const clients: ClientCredential[] = [{ name: DEFAULT_CLIENT_ID, tokenHash: hashToken(defaultToken) }];
  const list = reader.yamlList('CLIENTS_CONFIG');
  if (!list) return clients;
  const seen = new Set<string>([DEFAULT_CLIENT_ID]);
  list.items.forEach((item, index) => {
    const where = `CLIENTS_CONFIG=${list.file}: entry ${index}`;
    const name = item.name;
    if (typeof name !== 'string' || !/^[A-Za-z0-9._-]{1,128}$/.test(name)) {
      reader.problems.push(`${where}: name must be a string of letters, digits, '.', '_' or '-'`);
      return;
    }
    if (seen.has(name)) {
      reader.problems.push(`${where}: client name "${name}" is used twice (or is the reserved "${DEFAULT_CLIENT_ID}")`);
      return;
    }
    seen.add(name);
    if (checkToken(reader, `${where} (${name})`, item.token)) clients.push({ name, tokenHash: hashToken(item.token) });
  });
  return clients;
}

function readWorkers(reader: Reader): WorkerCredential[] {
  const list = reader.yamlList('WORKERS_CONFIG');
  if (!list) return [];
  const workers: WorkerCredential[] = [];
  list.items.forEach((item, index) => {
    const where = `WORKERS_CONFIG=${list.file}: entry ${index}`;
    const pattern = item.worker_id;
    if (typeof pattern !== 'string' || pattern.length === 0 || pattern.length > 128) {
      reader.problems.push(`${where}: worker_id must be a worker id or a glob such as gpu-*`);
      return;
    }
    if (checkToken(reader, `${where} (${pattern})`, item.token)) {
      workers.push({ pattern, matches: picomatch(pattern, { dot: true }), tokenHash: hashToken(item.token) });
    }
  });
  return workers;
}

/** Reads, validates and freezes the configuration. Throws one ConfigError listing every problem. */
export function loadConfig(env: Env): Config {
  const reader = new Reader(env);
  const generatedTokens: { CLIENT_TOKEN?: string; GLOBAL_WORKER_TOKEN?: string } = {};

  let clientToken = reader.raw('CLIENT_TOKEN');
  if (clientToken === undefined) {
    clientToken = newToken();
    generatedTokens.CLIENT_TOKEN = clientToken;
  } else {
    checkToken(reader, 'CLIENT_TOKEN', clientToken);
  }
  let workerToken = reader.raw('GLOBAL_WORKER_TOKEN');
  if (workerToken === undefined) {
    workerToken = newToken();
    generatedTokens.GLOBAL_WORKER_TOKEN = workerToken;
  } else {
    checkToken(reader, 'GLOBAL_WORKER_TOKEN', workerToken);
  }

  const redisUrl = reader.raw('REDIS_URL');
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) {
    reader.problems.push(`REDIS_URL=${JSON.stringify(redisUrl.replace(/\/\/[^@/]*@/, '//***@'))}: expected redis://host:port or rediss://...`);
  }
  const logLevel = reader.string('LOG_LEVEL', 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    reader.problems.push(`LOG_LEVEL=${JSON.stringify(logLevel)}: expected one of ${LOG_LEVELS.join(', ')}`);
  }
  const allowedHosts = reader.raw('WEBHOOK_ALLOWED_HOSTS');

  const config: Config = {
    port: reader.integer('PORT', 8080, 0, 65535),
    host: reader.string('HOST', '127.0.0.1'),
    blueprintsDir: reader.string('BLUEPRINTS_DIR', './blueprints'),
    redisUrl,
    redisPrefix: reader.string('REDIS_PREFIX', 'switchyard:'),
    clients: Object.freeze(readClients(reader, clientToken)),
    globalWorkerTokenHash: hashToken(workerToken),
    workers: Object.freeze(readWorkers(reader)),
    workerPollTimeoutMs: reader.duration('WORKER_POLL_TIMEOUT', '30s'),
    workerTtlMs: reader.duration('WORKER_TTL', '60s', 100),
    enableDebugEndpoints: reader.boolean('ENABLE_DEBUG_ENDPOINTS', false),
    maxBodyBytes: reader.size('MAX_BODY', '1mb'),
    logLevel: (LOG_LEVELS as readonly string[]).includes(logLevel) ? (logLevel as LogLevel) : 'info',
    maxTransitions: reader.integer('MAX_TRANSITIONS', 1000, 1, 1_000_000),
    jobRetentionMs: reader.duration('JOB_RETENTION', '7d'),
    memoryMaxEndedJobs: reader.integer('MEMORY_MAX_ENDED_JOBS', 100_000, 1, 1_000_000_000),
    webhookSecret: reader.raw('WEBHOOK_SECRET'),
    webhookTimeoutMs: reader.duration('WEBHOOK_TIMEOUT', '10s'),
    webhookAllowedHosts:
      allowedHosts === undefined
        ? undefined
        : Object.freeze(allowedHosts.split(',').map((host) => host.trim().toLowerCase()).filter((host) => host !== '')),
    maxFanOut: reader.integer('MAX_FAN_OUT', 10_000, 1, 10_000_000),
    maxJobDataBytes: reader.size('MAX_JOB_DATA', '1mb'),
    rateLimitClient: reader.optionalRate('RATE_LIMIT_CLIENT'),
    rateLimitWorker: reader.optionalRate('RATE_LIMIT_WORKER'),
    maxPollsPerWorker: reader.integer('MAX_POLLS_PER_WORKER', 4, 1, 1000),
    generatedTokens: Object.freeze(generatedTokens),
  };
  if (reader.problems.length > 0) throw new ConfigError(reader.problems);
  return Object.freeze(config);
}
