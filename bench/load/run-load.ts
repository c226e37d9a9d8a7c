import { ApiClient, type RequestCounts } from './api-client.js';
import { JobTracker, type JobOutcome } from './job-tracker.js';
import type { LoadOptions } from './options.js';
import { RecentJobs, startPollers } from './pollers.js';
import { cpuSeconds, peakRssBytes, resetPeakRss } from './proc.js';
import { nowMs, summarize, type LatencySummary } from './stats.js';
import { startWorkers } from './workers.js';

/**
 * One load run: W workers, C clients (burst or closed loop), S status pollers, against the servers at
 * `api.urls`. The CPU and peak memory of the watched processes (the servers, and Redis) are read from
 * /proc over the measured window only.
 */
export interface WatchedProcess {
  label: string;
  pid: number;
}

export interface ProcessFigures {
  label: string;
  cpuSeconds: number;
  cpuSecondsPer1000Jobs: number;
  peakRssBytes: number;
}

export interface LoadResult {
  mode: LoadOptions['mode'];
  clients: number;
  workers: number;
  pollers: number;
  /** Jobs counted (ended inside the measured window). */
  jobs: number;
  /** Counted jobs that ended in a status other than finished. */
  unfinishedJobs: number;
  timedOutJobs: number;
  windowSeconds: number;
  jobsPerSecond: number;
  latencyMs: LatencySummary;
  tasks: number;
  /** Status reads by pollers per second. */
  pollerReadsPerSecond: number;
  /** HTTP requests per counted job, by exchange (the ceiling's show the protocol's minimum). */
  requestsPerJob: Record<keyof RequestCounts, number> & { total: number };
  /** Status reads the clients needed to see their jobs end (in the window). */
  trackerReads: number;
  generatorCpuSeconds: number;
  /** Generator CPU as a share of one core over the window (1.0 = one core busy). */
  generatorCoreShare: number;
  processes: ProcessFigures[];
  errors: number;
  firstError?: string;
}

export async function runLoad(options: LoadOptions, watched: WatchedProcess[] = []): Promise<LoadResult> {
  const api = new ApiClient(options.api, {
    clientConnections: options.clients + options.pollers + 8,
    workerConnections: options.workers * 2 + 8,
  });
  const tracker = new JobTracker(api, options.jobTimeoutMs);
  const recent = new RecentJobs();
  const fleet = await startWorkers(
    api,
    { count: options.workers, idPrefix: `bench-${process.pid}-${Date.now().toString(36)}` },
    { onResult: (task) => tracker.onResult(task.job_id), onError: (e) => tracker.noteError(e) },
  );
  const pollers = startPollers(api, options.pollers, recent, (e) => tracker.noteError(e));

  const outcomes: JobOutcome[] = [];
  let windowStart = 0;
  let windowEnd = 0;
  let cpuStart = process.cpuUsage();
  let serverCpuStart: number[] = [];
  let pollerReadsStart = 0;
  let tasksStart = 0;
  let trackerReadsStart = 0;
  let countsStart: RequestCounts = { ...api.counts };
  let countsEnd: RequestCounts = { ...api.counts };

  const beginWindow = (): void => {
    windowStart = nowMs();
    cpuStart = process.cpuUsage();
    serverCpuStart = watched.map((w) => cpuSeconds(w.pid));
    for (const w of watched) resetPeakRss(w.pid);
    pollerReadsStart = pollers.reads;
    tasksStart = fleet.tasks;
    trackerReadsStart = tracker.statusReads;
    countsStart = { ...api.counts };
  };

  let generatorCpuSeconds = 0;
  let serverCpu: number[] = [];
  let peaks: number[] = [];
  let pollerReads = 0;
  let tasks = 0;
  let trackerReads = 0;
  const endWindow = (): void => {
    windowEnd = nowMs();
    const cpu = process.cpuUsage(cpuStart);
    generatorCpuSeconds = (cpu.user + cpu.system) / 1e6;
    serverCpu = watched.map((w, i) => cpuSeconds(w.pid) - serverCpuStart[i]!);
    peaks = watched.map((w) => peakRssBytes(w.pid));
    pollerReads = pollers.reads - pollerReadsStart;
    tasks = fleet.tasks - tasksStart;
    trackerReads = tracker.statusReads - trackerReadsStart;
    countsEnd = { ...api.counts };
  };

  const createAndWait = async (via: number): Promise<JobOutcome> => {
    const createdAt = nowMs();
    const jobId = await api.createJob(via, options.initialData);
    recent.add(jobId);
    return tracker.track(jobId, createdAt, via);
  };

  try {
    if (options.mode === 'burst') {
      beginWindow();
      let next = 0;
      const creators = Array.from({ length: options.clients }, async (_, c) => {
        const waits: Promise<void>[] = [];
        while (next < options.jobs) {
          next += 1;
          const createdAt = nowMs();
          try {
            const jobId = await api.createJob(c, options.initialData);
            recent.add(jobId);
            waits.push(tracker.track(jobId, createdAt, c).then((o) => void outcomes.push(o)));
          } catch (error) {
            tracker.noteError(error);
          }
        }
        await Promise.all(waits);
      });
      await Promise.all(creators);
      endWindow();
    } else {
      const start = nowMs();
      const measureFrom = start + options.warmupMs;
      const stopAt = measureFrom + options.durationMs;
      let windowOpen = false;
      const opener = setTimeout(() => {
        windowOpen = true;
        beginWindow();
      }, options.warmupMs);
      const closer = setTimeout(endWindow, options.warmupMs + options.durationMs);
      const loops = Array.from({ length: options.clients }, async (_, c) => {
        while (nowMs() < stopAt) {
          try {
            const outcome = await createAndWait(c);
            // A job that never ended counts against the run wherever it falls.
            if ((windowOpen && outcome.endedAt <= stopAt) || outcome.status === 'timeout') outcomes.push(outcome);
          } catch (error) {
            tracker.noteError(error);
          }
        }
      });
      await Promise.all(loops);
      clearTimeout(opener);
      clearTimeout(closer);
      if (windowEnd === 0) endWindow();
      if (windowStart === 0) windowStart = measureFrom;
    }
  } finally {
    await pollers.stop();
    await fleet.stop();
    tracker.close();
    await api.close();
  }

  const windowSeconds = (windowEnd - windowStart) / 1000;
  const counted = outcomes.filter((o) => o.status !== 'timeout');
  const jobs = counted.length;
  const perJob = (key: keyof RequestCounts): number => (countsEnd[key] - countsStart[key]) / jobs;
  const keys = Object.keys(countsEnd) as (keyof RequestCounts)[];
  const requestsPerJob = Object.fromEntries(keys.map((k) => [k, perJob(k)])) as Record<keyof RequestCounts, number>;
  const result: LoadResult = {
    mode: options.mode,
    clients: options.clients,
    workers: options.workers,
    pollers: options.pollers,
    jobs,
    unfinishedJobs: counted.filter((o) => o.status !== 'finished').length,
    timedOutJobs: outcomes.length - counted.length,
    windowSeconds,
    jobsPerSecond: jobs / windowSeconds,
    latencyMs: summarize(counted.map((o) => o.endedAt - o.createdAt)),
    tasks,
    pollerReadsPerSecond: pollerReads / windowSeconds,
    trackerReads,
    requestsPerJob: { ...requestsPerJob, total: keys.reduce((sum, k) => sum + requestsPerJob[k], 0) },
    generatorCpuSeconds,
    generatorCoreShare: generatorCpuSeconds / windowSeconds,
    processes: watched.map((w, i) => ({
      label: w.label,
      cpuSeconds: serverCpu[i]!,
      cpuSecondsPer1000Jobs: jobs === 0 ? Number.NaN : (serverCpu[i]! / jobs) * 1000,
      peakRssBytes: peaks[i]!,
    })),
    errors: tracker.errors,
  };
  if (tracker.firstError !== undefined) result.firstError = tracker.firstError;
  return result;
}
