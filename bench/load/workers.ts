import { setMaxListeners } from 'node:events';
import type { ApiClient, Task } from './api-client.js';

/**
 * Simulated workers: each registers, then loops "long-poll for the next task, post a success result".
 * They do no work, so every millisecond of a job's latency is spent in the orchestrator or on the wire.
 */
export interface WorkerCallbacks {
  /** Called when a task arrives (before its result is posted). */
  onTask?: (task: Task, receivedAt: number) => void;
  /** Called once the server accepted the task's result. */
  onResult?: (task: Task) => void;
  onError: (error: unknown) => void;
}

export interface WorkerFleet {
  readonly tasks: number;
  stop(): Promise<void>;
}

export interface WorkerFleetOptions {
  count: number;
  /** Prefix of worker ids; ids are `${prefix}-${i}`. */
  idPrefix: string;
  /** Offset added to a worker's index when choosing its base URL. */
  urlOffset?: number;
  /** Post results (true) or only hold polls (false, for the idle long-poll scenario). */
  answer?: boolean;
  /** Start the poll loops this many at a time (20 ms apart), so thousands of connects do not overflow the listen backlog. */
  startBatch?: number;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function startWorkers(api: ApiClient, options: WorkerFleetOptions, callbacks: WorkerCallbacks): Promise<WorkerFleet> {
  const ids = Array.from({ length: options.count }, (_, i) => `${options.idPrefix}-${i}`);
  const via = (i: number): number => i + (options.urlOffset ?? 0);
  // Register in batches: thousands of simultaneous connects would overflow the server's listen backlog.
  for (let start = 0; start < ids.length; start += 200) {
    await Promise.all(ids.slice(start, start + 200).map((id, k) => api.register(via(start + k), id)));
  }

  const abort = new AbortController();
  // Every held poll listens on this one signal.
  setMaxListeners(0, abort.signal);
  let stopped = false;
  let tasks = 0;

  async function loop(i: number, workerId: string): Promise<void> {
    while (!stopped) {
      let task: Task | null;
      try {
        task = await api.nextTask(via(i), workerId, abort.signal);
      } catch (error) {
        if (stopped) return;
        callbacks.onError(error);
        await sleep(50);
        continue;
      }
      if (!task) continue;
      tasks += 1;
      callbacks.onTask?.(task, performance.now());
      if (options.answer === false) continue;
      try {
        await api.postResult(via(i), workerId, task, { echoed: task.task_id });
        callbacks.onResult?.(task);
      } catch (error) {
        if (!stopped) callbacks.onError(error);
      }
    }
  }

  const loops: Promise<void>[] = [];
  const batch = options.startBatch ?? ids.length;
  for (let start = 0; start < ids.length; start += batch) {
    if (start > 0) await sleep(20);
    ids.slice(start, start + batch).forEach((id, k) => loops.push(loop(start + k, id)));
  }
  return {
    get tasks() {
      return tasks;
    },
    async stop() {
      stopped = true;
      abort.abort();
      await Promise.all(loops);
    },
  };
}
