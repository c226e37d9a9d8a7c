import { consoleRender } from '../console-render.js';
import { compile } from './compile.js';
import { fanOut } from './fan-out.js';
import { fiveState } from './five-state.js';
import { idlePolls } from './idle-polls.js';
import { memoryPerJobs } from './memory-per-jobs.js';
import { redisRoundTrips } from './redis-round-trips.js';
import type { Scenario } from './scenario.js';
import { singleTask } from './single-task.js';
import { statusPollers } from './status-pollers.js';
import { wakeUp } from './wake-up.js';

/** Every scenario, in the order `npm run bench` runs them. */
export const SCENARIOS: readonly Scenario[] = [
  singleTask,
  fiveState,
  fanOut,
  statusPollers,
  wakeUp,
  idlePolls,
  memoryPerJobs,
  redisRoundTrips,
  compile,
  consoleRender,
];
