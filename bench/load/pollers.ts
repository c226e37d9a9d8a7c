import type { ApiClient } from './api-client.js';

/**
 * Status pollers: each reads GET /api/v1/jobs/{id} of a recently created job in a tight loop, the
 * read load of dashboards and impatient clients. Reads are counted, not timed.
 */
export interface PollerFleet {
  readonly reads: number;
  stop(): Promise<void>;
}

export class RecentJobs {
  private readonly ids: string[] = [];
  private next = 0;
  constructor(private readonly size = 1000) {}
  add(jobId: string): void {
    if (this.ids.length < this.size) this.ids.push(jobId);
    else this.ids[this.next] = jobId;
    this.next = (this.next + 1) % this.size;
  }
  pick(): string | undefined {
    return this.ids.length === 0 ? undefined : this.ids[Math.floor(Math.random() * this.ids.length)];
  }
}

export function startPollers(api: ApiClient, count: number, recent: RecentJobs, onError: (error: unknown) => void): PollerFleet {
  let stopped = false;
  let reads = 0;
  async function loop(i: number): Promise<void> {
    while (!stopped) {
      const jobId = recent.pick();
      if (jobId === undefined) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        continue;
      }
      try {
        await api.jobStatus(i, jobId);
        reads += 1;
      } catch (error) {
        if (!stopped) onError(error);
      }
    }
  }
  const loops = Array.from({ length: count }, (_, i) => loop(i));
  return {
    get reads() {
      return reads;
    },
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}
