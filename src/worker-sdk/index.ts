/**
 * `switchyard/worker`: write Switchyard workers in TypeScript. See docs/workers.md.
 *
 *   const worker = createWorker({ url, token, workerId: 'w1', tasks: { echo: async (task) => ({ data: task.params }) } });
 *   await worker.start();
 */
export { createWorker, SwitchyardWorker } from './worker.js';
export type { StopOptions, WorkerOptions } from './worker.js';
export type { TaskContext, TaskHandler, TaskOutcome } from './handler.js';
export { InvalidInputError, PermanentError, TaskAbortedError, TaskError, TransientError, WorkerRejectedError } from './errors.js';
export type { Task, WorkerResources } from './wire.js';
export type { WorkerLogger } from './logger.js';
export { silentLogger, stderrLogger } from './logger.js';
