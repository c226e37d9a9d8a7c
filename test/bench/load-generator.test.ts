import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCeilingServer, type CeilingServer } from '../../bench/ceiling-server.js';
import { DEFAULT_API, type LoadOptions } from '../../bench/load/options.js';
import { runLoad } from '../../bench/load/run-load.js';

/**
 * The load generator drives a server of the seed API end to end. It runs briefly against the bare Koa
 * ceiling server in this process; no figure is asserted beyond counts, since timing depends on the machine.
 */
const CLIENT_TOKEN = 'test-client-token-0123456789';
const WORKER_TOKEN = 'test-worker-token-0123456789';

function options(server: CeilingServer, overrides: Partial<LoadOptions>): LoadOptions {
  return {
    api: { ...DEFAULT_API, urls: [server.url], clientToken: CLIENT_TOKEN, workerToken: WORKER_TOKEN, pollTimeoutS: 5 },
    mode: 'burst',
    jobs: 50,
    durationMs: 300,
    warmupMs: 100,
    clients: 4,
    workers: 3,
    pollers: 0,
    initialData: { n: 1 },
    jobTimeoutMs: 10_000,
    ...overrides,
  };
}

describe('load generator against the ceiling server', () => {
  let single: CeilingServer;
  let twoTasks: CeilingServer;
  let fanOut: CeilingServer;

  beforeAll(async () => {
    const tokens = { clientToken: CLIENT_TOKEN, workerToken: WORKER_TOKEN };
    single = await startCeilingServer(tokens);
    twoTasks = await startCeilingServer({ ...tokens, tasksPerJob: 2 });
    fanOut = await startCeilingServer({ ...tokens, tasksPerJob: 10, parallel: true });
  });

  afterAll(async () => {
    await Promise.all([single?.close(), twoTasks?.close(), fanOut?.close()]);
  });

  it('burst mode waits for every created job to finish', async () => {
    const result = await runLoad(options(single, { mode: 'burst', jobs: 50 }));
    expect(result.errors).toBe(0);
    expect(result.jobs).toBe(50);
    expect(result.unfinishedJobs).toBe(0);
    expect(result.tasks).toBe(50);
    expect(result.latencyMs.count).toBe(50);
    expect(result.latencyMs.p99).toBeGreaterThanOrEqual(result.latencyMs.p50);
  });

  it('closed loop counts only jobs that ended inside the measured window', async () => {
    const result = await runLoad(options(single, { mode: 'closed', clients: 3 }));
    expect(result.errors).toBe(0);
    expect(result.jobs).toBeGreaterThan(0);
    expect(result.windowSeconds).toBeGreaterThan(0.25);
    expect(result.jobsPerSecond).toBeCloseTo(result.jobs / result.windowSeconds, 6);
  });

  it('sees a job with tasks in sequence end only after its last task', async () => {
    const result = await runLoad(options(twoTasks, { mode: 'burst', jobs: 20 }));
    expect(result.jobs).toBe(20);
    expect(result.tasks).toBe(40);
    expect(result.unfinishedJobs).toBe(0);
  });

  it('sees a fanned-out job end after all of its parallel tasks', async () => {
    const result = await runLoad(options(fanOut, { mode: 'burst', jobs: 5, workers: 4 }));
    expect(result.jobs).toBe(5);
    expect(result.tasks).toBe(50);
  });

  it('status pollers read jobs while the load runs', async () => {
    const result = await runLoad(options(single, { mode: 'closed', pollers: 2 }));
    expect(result.errors).toBe(0);
    expect(result.pollerReadsPerSecond).toBeGreaterThan(0);
  });

  it('reports the CPU and peak memory of a watched process', async () => {
    const result = await runLoad(options(single, { mode: 'burst', jobs: 20 }), [{ label: 'self', pid: process.pid }]);
    const [self] = result.processes;
    expect(self?.label).toBe('self');
    expect(self?.cpuSeconds).toBeGreaterThanOrEqual(0);
    expect(self?.peakRssBytes).toBeGreaterThan(0);
    expect(result.generatorCpuSeconds).toBeGreaterThan(0);
  });

  it('reports a wrong token as an error instead of hanging', async () => {
    const base = options(single, { mode: 'burst', jobs: 3 });
    const result = await runLoad({ ...base, api: { ...base.api, clientToken: 'wrong-token-0123456789' } });
    expect(result.jobs).toBe(0);
    expect(result.errors).toBe(3);
    expect(result.firstError).toContain('HTTP 401');
  });
});
