/**
 * How the load generator reaches a server that implements the seed API. Every name that differs
 * between orchestrators of that API is an option, so the same generator can drive any of them.
 */
export interface ApiOptions {
  /** Base URLs; clients and workers are spread over them round-robin (one per orchestrator process). */
  urls: string[];
  clientToken: string;
  workerToken: string;
  clientHeader: string;
  workerHeader: string;
  /** Path of the create request, e.g. /api/v1/jobs/hello. */
  endpoint: string;
  /** Task type that the simulated workers list in supported_tasks. */
  taskType: string;
  /** Seconds a long-poll may be held (sent as ?timeout=). */
  pollTimeoutS: number;
}

export type LoadMode = 'burst' | 'closed';

export interface LoadOptions {
  api: ApiOptions;
  mode: LoadMode;
  /** Burst: jobs created before waiting for all of them. */
  jobs: number;
  /** Closed loop: how long clients keep creating jobs (after the warm-up). */
  durationMs: number;
  /** Closed loop: jobs that end during the warm-up are not counted. */
  warmupMs: number;
  /** Concurrent clients (closed loop) or concurrent create requests (burst). */
  clients: number;
  /** Simulated workers, each holding one long-poll at a time. */
  workers: number;
  /** Status pollers reading GET /api/v1/jobs/{id} in a tight loop during the run. */
  pollers: number;
  initialData: Record<string, unknown>;
  /** Give up waiting for a job after this long (it is then counted as timed out). */
  jobTimeoutMs: number;
}

export const DEFAULT_API: ApiOptions = {
  urls: [],
  clientToken: 'bench-client-token',
  workerToken: 'bench-worker-token',
  clientHeader: 'X-Client-Token',
  workerHeader: 'X-Worker-Token',
  endpoint: '/api/v1/jobs/single_task',
  taskType: 'echo',
  pollTimeoutS: 30,
};
