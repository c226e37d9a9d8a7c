/**
 * Long-polls waiting in this process, indexed by task type. A task-queued notice wakes ONE waiter of
 * that type (not all of them: 2,000 idle workers must not stampede the store for one task); a waiter
 * that then claims a task passes the wake-up on to the next waiter, since more tasks may be queued,
 * and a waiter that finds nothing passes it on while untried waiters remain (the task may need
 * resources it lacks). A waiter holds no timer or listener once it has settled.
 */

export interface Waiter {
  readonly types: readonly string[];
  /** Set when a wake-up arrived before the poll started waiting on it. */
  woken: boolean;
  /** How many waiters this wake-up has already passed through (bounded by the waiters of a type). */
  hops: number;
  wake: ((hops: number) => void) | null;
}

export class PollWaiters {
  private readonly byType = new Map<string, Waiter[]>();

  add(types: readonly string[]): Waiter {
    const waiter: Waiter = { types, woken: false, hops: 0, wake: null };
    for (const type of types) {
      let list = this.byType.get(type);
      if (!list) this.byType.set(type, (list = []));
      list.push(waiter);
    }
    return waiter;
  }

  remove(waiter: Waiter): void {
    waiter.wake = null;
    for (const type of waiter.types) {
      const list = this.byType.get(type);
      if (!list) continue;
      const at = list.indexOf(waiter);
      if (at >= 0) list.splice(at, 1);
      if (list.length === 0) this.byType.delete(type);
    }
  }

  /** Wakes the longest-waiting waiter of `type` (other than `except`) that has not been woken yet. */
  wakeOne(type: string, hops = 0, except?: Waiter): void {
    const list = this.byType.get(type);
    if (!list || hops >= list.length) return;
    const waiter = list.find((w) => !w.woken && w !== except);
    if (!waiter) return;
    this.signal(waiter, hops);
  }

  /** Wakes every waiter (after a pub/sub reconnect, or at close). */
  wakeAll(): void {
    for (const list of [...this.byType.values()]) for (const waiter of [...list]) this.signal(waiter, 0);
  }

  count(type: string): number {
    return this.byType.get(type)?.length ?? 0;
  }

  get size(): number {
    const all = new Set<Waiter>();
    for (const list of this.byType.values()) for (const w of list) all.add(w);
    return all.size;
  }

  private signal(waiter: Waiter, hops: number): void {
    waiter.woken = true;
    waiter.hops = hops;
    const wake = waiter.wake;
    waiter.wake = null;
    wake?.(hops);
  }
}
