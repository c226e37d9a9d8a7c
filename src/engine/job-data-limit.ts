/**
 * MAX_JOB_DATA: the most bytes of data one job may keep (its `state_history`, plus the results of
 * parallel branches that will be written into it). Without a bound, a loop or a wide `for_each` whose
 * workers answer large results would grow one job document without end, and every later transition
 * would load, copy and store all of it. A job that passes the limit fails with JOB_DATA_LIMIT.
 */
import type { JobRecord } from '../storage/types.js';

export const JOB_DATA_LIMIT = 'JOB_DATA_LIMIT';

/** UTF-8 bytes of the job's data as JSON (what the store keeps). */
export function jobDataBytes(job: JobRecord): number {
  let bytes = Buffer.byteLength(JSON.stringify(job.state_history), 'utf8');
  if (job.active.kind === 'parallel') {
    for (const branch of job.active.branches) {
      if (branch.result) bytes += Buffer.byteLength(JSON.stringify(branch.result), 'utf8');
    }
  }
  return bytes;
}

/** The failure message when the job's data is past `limit` bytes; undefined when it fits (or no limit). */
export function jobDataProblem(job: JobRecord, limit: number | undefined): string | undefined {
  if (limit === undefined) return undefined;
  const bytes = jobDataBytes(job);
  if (bytes <= limit) return undefined;
  return `the job's data (state_history and branch results) grew to ${bytes} bytes, more than MAX_JOB_DATA (${limit} bytes); the job stopped in state "${job.current_state ?? ''}"`;
}
