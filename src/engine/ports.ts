/**
 * What the engine is given from outside: a clock, metrics and a logger. The observability layer
 * implements `EngineMetrics` with prom-client and `EngineLogger` with pino; the defaults do nothing.
 */

export interface Clock {
  now(): number;
}

/** The system clock, for production wiring; tests inject a fake one. */
export const systemClock: Clock = { now: () => Date.now() };

/** What the engine reports as work happens. Each call is cheap and synchronous. */
export interface EngineMetrics {
  jobCreated(blueprint: string): void;
  /** A job reached a terminal status after `durationSeconds` since it was created. */
  jobEnded(blueprint: string, status: string, durationSeconds: number): void;
  taskQueued(taskType: string): void;
  taskLeased(taskType: string): void;
  /** `outcome`: the result status (`success`, `failure`, ...), or `timeout`, `cancelled`. */
  taskCompleted(taskType: string, outcome: string): void;
  /** +1 when a long-poll starts waiting, -1 when it is answered or abandoned. */
  pollWaiting(delta: number): void;
  /** `outcome`: `delivered`, `retry` (a failed try that will be retried) or `gave_up`. */
  webhookDelivery(outcome: string): void;
}

export const noopMetrics: EngineMetrics = {
  jobCreated() {},
  jobEnded() {},
  taskQueued() {},
  taskLeased() {},
  taskCompleted() {},
  pollWaiting() {},
  webhookDelivery() {},
};

/** The subset of pino the engine uses: a context object first, then the message. */
export interface EngineLogger {
  debug(context: object, message: string): void;
  info(context: object, message: string): void;
  warn(context: object, message: string): void;
  error(context: object, message: string): void;
}

export const silentLogger: EngineLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/** The message a worker's WebSocket receives when a task it holds is cancelled. */
export interface CancelTaskCommand {
  command: 'cancel_task';
  job_id: string;
  task_id: string;
}

/** Writes a command to the worker's WebSocket if this process holds one; answers whether it did. */
export type WorkerNotifier = (workerId: string, command: CancelTaskCommand) => boolean | Promise<boolean>;
