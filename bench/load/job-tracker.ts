import { isTerminal, type ApiClient } from './api-client.js';
import { nowMs } from './stats.js';

/**
 * Knows when each job ends. A job is read (GET /api/v1/jobs/{id}) right after a worker's result for it
 * is accepted. When it is not over yet, the next result reads it again, and meanwhile it is re-read on
 * a backoff (5, 10, 20, 40, 80, then every 100 ms) in case the server applies results asynchronously.
 * Reads of one job never overlap: a result that arrives during a read marks the job to be read again.
 * So a single-task job costs exactly one status read on a server that applies a result before it
 * answers, and the latency is "create sent -> terminal status received". A job must end through a
 * worker's result (every benchmark blueprint has a task); otherwise it is counted as timed out.
 */
export interface JobOutcome {
  jobId: string;
  status: string; // a terminal status, or 'timeout'
  createdAt: number;
  endedAt: number;
}

interface Waiter {
  createdAt: number;
  via: number;
  resolve: (outcome: JobOutcome) => void;
  reading: boolean;
  readAgain: boolean;
  results: number;
  lastStatus: string | undefined;
  backoffMs: number;
  timer: NodeJS.Timeout | undefined;
  deadline: NodeJS.Timeout;
}

const FIRST_BACKOFF_MS = 5;
const MAX_BACKOFF_MS = 100;

export class JobTracker {
  private readonly waiting = new Map<string, Waiter>();
  /** Results that arrived before the create reply did (a fast server answers the poll first). */
  private readonly early = new Set<string>();
  statusReads = 0;
  errors = 0;
  firstError: string | undefined;

  constructor(
    private readonly api: ApiClient,
    private readonly jobTimeoutMs: number,
  ) {}

  track(jobId: string, createdAt: number, via: number): Promise<JobOutcome> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        createdAt,
        via,
        resolve,
        reading: false,
        readAgain: false,
        results: this.early.has(jobId) ? 1 : 0,
        lastStatus: undefined,
        backoffMs: FIRST_BACKOFF_MS,
        timer: undefined,
        deadline: setTimeout(() => {
          const w = this.waiting.get(jobId);
          this.noteError(new Error(`job ${jobId} did not end within ${this.jobTimeoutMs} ms (last status ${w?.lastStatus ?? 'never read'}, ${w?.results ?? 0} results posted)`));
          this.finish(jobId, 'timeout');
        }, this.jobTimeoutMs),
      };
      this.waiting.set(jobId, waiter);
      if (this.early.delete(jobId)) this.read(jobId);
    });
  }

  /** A worker's result for this job was accepted. */
  onResult(jobId: string): void {
    const waiter = this.waiting.get(jobId);
    if (!waiter) {
      this.early.add(jobId);
      return;
    }
    waiter.backoffMs = FIRST_BACKOFF_MS;
    waiter.results += 1;
    this.read(jobId);
  }

  get pending(): number {
    return this.waiting.size;
  }

  private scheduleRead(jobId: string, waiter: Waiter, delayMs: number): void {
    if (waiter.timer) clearTimeout(waiter.timer);
    waiter.timer = setTimeout(() => {
      waiter.timer = undefined;
      this.read(jobId);
    }, delayMs);
  }

  private read(jobId: string): void {
    const waiter = this.waiting.get(jobId);
    if (!waiter) return;
    if (waiter.timer) {
      clearTimeout(waiter.timer);
      waiter.timer = undefined;
    }
    if (waiter.reading) {
      waiter.readAgain = true;
      return;
    }
    waiter.reading = true;
    this.statusReads += 1;
    this.api.jobStatus(waiter.via, jobId).then(
      (job) => {
        waiter.reading = false;
        if (isTerminal(job.status)) {
          this.finish(jobId, job.status);
        } else if (waiter.readAgain) {
          waiter.readAgain = false;
          this.read(jobId);
        } else {
          waiter.lastStatus = job.status;
          this.scheduleRead(jobId, waiter, waiter.backoffMs);
          waiter.backoffMs = Math.min(MAX_BACKOFF_MS, waiter.backoffMs * 2);
        }
      },
      (error: unknown) => {
        waiter.reading = false;
        this.noteError(error);
        this.scheduleRead(jobId, waiter, MAX_BACKOFF_MS);
      },
    );
  }

  private finish(jobId: string, status: string): void {
    const waiter = this.waiting.get(jobId);
    if (!waiter) return;
    this.waiting.delete(jobId);
    if (waiter.timer) clearTimeout(waiter.timer);
    clearTimeout(waiter.deadline);
    waiter.resolve({ jobId, status, createdAt: waiter.createdAt, endedAt: nowMs() });
  }

  noteError(error: unknown): void {
    this.errors += 1;
    this.firstError ??= error instanceof Error ? error.message : String(error);
  }

  /** Stops every pending wait (each resolves as timed out). */
  close(): void {
    for (const jobId of [...this.waiting.keys()]) this.finish(jobId, 'timeout');
    this.early.clear();
  }
}
