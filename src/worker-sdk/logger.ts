/**
 * The logging the SDK needs, shaped like pino's `(fields, message)` so a pino logger can be passed
 * as is. The default writes warnings and errors to stderr and drops the rest.
 */
export interface WorkerLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

const ignore = (): void => undefined;

export const silentLogger: WorkerLogger = { debug: ignore, info: ignore, warn: ignore, error: ignore };

export const stderrLogger: WorkerLogger = {
  debug: ignore,
  info: ignore,
  warn: (fields, message) => console.error(`[switchyard-worker] WARN ${message}`, fields),
  error: (fields, message) => console.error(`[switchyard-worker] ERROR ${message}`, fields),
};
