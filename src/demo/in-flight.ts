/** A window of at most `limit` tasks in flight: `add` waits for a free slot, `drain` for all of them. */
export interface InFlight {
  add(task: Promise<void>): Promise<void>;
  drain(): Promise<void>;
}

/** Tasks must handle their own errors (a rejected task would end `add`/`drain` early). */
export function createInFlight(limit: number): InFlight {
  const running = new Set<Promise<void>>();
  return {
    async add(task) {
      const tracked = task.finally(() => running.delete(tracked));
      running.add(tracked);
      if (running.size >= limit) await Promise.race(running);
    },
    async drain() {
      await Promise.all(running);
    },
  };
}
