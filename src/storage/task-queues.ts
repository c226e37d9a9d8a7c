/**
 * The memory store's queues: one FIFO per (task type, priority). A claim looks at the highest priority
 * level first across the worker's types, so it costs O(types x priority levels), not a scan of every
 * queued task. Removal is lazy: a withdrawn or claimed task id stays in its FIFO until it reaches the
 * head, and is skipped there (`isLive` says whether an id is still queued).
 */

interface Fifo {
  ids: string[];
  head: number;
}

interface Entry {
  id: string;
  seq: number;
}

export class TaskQueues {
  /** type -> priority -> FIFO of ids (with their enqueue sequence, for FIFO across types). */
  private readonly queues = new Map<string, Map<number, Fifo>>();
  private readonly seqOf = new Map<string, number>();
  private nextSeq = 0;
  /** Returned ids go before everything queued: their sequence counts down from -1. */
  private frontSeq = -1;

  push(type: string, priority: number, id: string): void {
    let levels = this.queues.get(type);
    if (!levels) this.queues.set(type, (levels = new Map()));
    let fifo = levels.get(priority);
    if (!fifo) levels.set(priority, (fifo = { ids: [], head: 0 }));
    fifo.ids.push(id);
    this.seqOf.set(id, this.nextSeq++);
  }

  /**
   * Puts an id back at the head of its FIFO (a returned lease): claimed before every id of its
   * priority that is already queued, across types too (its sequence is below all of theirs).
   */
  pushFront(type: string, priority: number, id: string): void {
    let levels = this.queues.get(type);
    if (!levels) this.queues.set(type, (levels = new Map()));
    let fifo = levels.get(priority);
    if (!fifo) levels.set(priority, (fifo = { ids: [], head: 0 }));
    if (fifo.head > 0) fifo.ids[--fifo.head] = id;
    else fifo.ids.unshift(id);
    this.seqOf.set(id, this.frontSeq--);
  }

  /** Forget an id's position (it stays in its FIFO until skipped). */
  forget(id: string): void {
    this.seqOf.delete(id);
  }

  /**
   * The best live id for these types that `fits`: highest priority, then earliest queued. Ids that
   * do not fit are left in place for other workers.
   */
  best(types: readonly string[], fits: (id: string) => boolean): string | null {
    const levels = new Set<number>();
    for (const type of types) {
      for (const priority of this.queues.get(type)?.keys() ?? []) levels.add(priority);
    }
    for (const priority of [...levels].sort((a, b) => b - a)) {
      let best: Entry | null = null;
      for (const type of types) {
        const fifo = this.queues.get(type)?.get(priority);
        if (!fifo) continue;
        const found = this.firstFitting(type, priority, fifo, fits);
        if (found && (!best || found.seq < best.seq)) best = found;
      }
      if (best) return best.id;
    }
    return null;
  }

  clear(): void {
    this.queues.clear();
    this.seqOf.clear();
  }

  private firstFitting(type: string, priority: number, fifo: Fifo, fits: (id: string) => boolean): Entry | null {
    // Drop dead ids at the head so the common case (head fits) stays O(1).
    while (fifo.head < fifo.ids.length && !this.seqOf.has(fifo.ids[fifo.head]!)) fifo.head++;
    if (fifo.head > 64 && fifo.head * 2 > fifo.ids.length) {
      fifo.ids.splice(0, fifo.head);
      fifo.head = 0;
    }
    if (fifo.head >= fifo.ids.length) {
      this.queues.get(type)?.delete(priority);
      if (this.queues.get(type)?.size === 0) this.queues.delete(type);
      return null;
    }
    for (let i = fifo.head; i < fifo.ids.length; i++) {
      const id = fifo.ids[i]!;
      const seq = this.seqOf.get(id);
      if (seq !== undefined && fits(id)) return { id, seq };
    }
    return null;
  }
}
