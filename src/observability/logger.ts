/**
 * Structured logs: one JSON object per line (pino), or a coloured human form when the output is a
 * terminal. Secrets are censored by a fixed redaction list, so a token can never reach a log line even
 * when a whole request or configuration object is logged. Lines about one job, task or worker come
 * from a child logger that carries `job_id`, `task_id`, `worker_id` on every line.
 */
import { hostname } from 'node:os';
import { pino, stdTimeFunctions, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const REDACTED = '[Redacted]';

/** Keys whose values are secrets wherever they appear (headers are lower-cased by Node). */
const SECRET_KEYS = [
  'token',
  'client_token',
  'worker_token',
  'global_worker_token',
  'webhook_secret',
  'x-client-token',
  'x-worker-token',
  'authorization',
  'cookie',
  'set-cookie',
] as const;

/**
 * pino's redaction takes explicit paths (it compiles them once, which keeps logging fast), so each
 * secret key is listed at the top level and up to four levels down: deep enough for
 * `{ req: { headers: { authorization } } }` and `{ config: { workers: [ { token } ] } }`.
 */
export const REDACT_PATHS: readonly string[] = SECRET_KEYS.flatMap((key) => {
  const segment = /^[a-z_]+$/.test(key) ? key : `["${key}"]`;
  return ['', '*.', '*.*.', '*.*.*.', '*.*.*.*.'].map((wildcards) =>
    segment.startsWith('[') ? `${wildcards.replace(/\.$/, '')}${segment}` : `${wildcards}${segment}`,
  );
});

export interface LoggerOptions {
  level: LogLevel;
  /** Human-readable colour output; default: when stdout is a terminal. */
  pretty?: boolean;
  /** Where lines go (pretty or not); default stdout. Tests pass a stream to read the lines back. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const prettyOutput = options.pretty ?? process.stdout.isTTY === true;
  // pino-pretty runs in this thread (not a transport worker), so lines appear in order with other output.
  const destination = prettyOutput
    ? pretty({ destination: options.destination ?? 1, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' })
    : options.destination;
  const config = {
    level: options.level,
    // pid and hostname tell apart the processes that share one Redis.
    base: { service: 'switchyard', pid: process.pid, hostname: hostname() },
    timestamp: stdTimeFunctions.isoTime,
    // Level names, not numbers, so `jq 'select(.level=="error")'` works on the raw lines.
    formatters: { level: (label: string) => ({ level: label }) },
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
  };
  return destination ? pino(config, destination) : pino(config);
}

/** The ids a line about one job, task or worker carries; undefined ones are left out. */
export interface LogIds {
  job_id?: string;
  task_id?: string;
  worker_id?: string;
}

/** A child logger whose every line carries the given ids. */
export function withIds(logger: Logger, ids: LogIds): Logger {
  const bindings: Record<string, string> = {};
  for (const [key, value] of Object.entries(ids)) {
    if (typeof value === 'string') bindings[key] = value;
  }
  return logger.child(bindings);
}
