/**
 * The JSON the console reads. Job, history, worker and dashboard views are the server's own API types
 * (type-only imports, erased by the bundler); the rest are the small shapes of list replies.
 */
export type {
  JobView,
  JobStatus,
  HistoryEventView,
  WorkerView,
  Dashboard,
  CurrentTaskView,
} from '../../src/engine/api.js';
// Values too: src/engine/api.ts has no runtime imports, so the bundle takes only these arrays.
export { JOB_STATUSES, TERMINAL_STATUSES } from '../../src/engine/api.js';

export interface BlueprintSummary {
  name: string;
  version: number;
  endpoint: string | null;
  api_version?: string | null;
  description?: string | null;
  /** The JSON Schema that initial_data must match, if the blueprint has one. */
  input?: Record<string, unknown> | null;
  [extra: string]: unknown;
}

export interface StateExpression {
  /** Where in the state, e.g. `params.url` or `choices[0].when`. */
  path: string;
  source: string;
}

export interface StateDetail {
  name: string;
  type: string;
  line: number;
  column: number;
  yaml: string;
  expressions: StateExpression[];
}

export interface BlueprintStates {
  blueprint: string;
  version: number;
  start: string;
  states: StateDetail[];
}
