/**
 * A worker-wide budget of document bytes held in memory at once. Every page activity of the worker draws from
 * it before it reads a chunk of bodies and returns it when the chunk is written, so the worker's memory is
 * bounded by the budget, not by activity slots × chunk size. Waiters are served in order (no starvation); a
 * chunk larger than the whole budget waits until it is alone, then runs.
 */
export interface ByteBudget {
  /** Waits until `bytes` fit (or the budget is idle), then holds them; call the returned function to give back. */
  acquire(bytes: number, signal?: AbortSignal): Promise<() => void>;
  /** Bytes held now (for tests and metrics). */
  inUse(): number;
}

/** No limit: for tools and unit tests that do not need one. */
export const unlimitedBudget: ByteBudget = {
  acquire: () => Promise.resolve(() => undefined),
  inUse: () => 0,
};

/** Options of {@link createByteBudget}. */
export interface ByteBudgetOptions {
  /** Called after bytes are given back, with how many (the worker collects the garbage of large chunks). */
  readonly afterRelease?: (bytes: number) => void;
}

export function createByteBudget(limit: number, opts: ByteBudgetOptions = {}): ByteBudget {
  if (!Number.isInteger(limit) || limit <= 0)
    throw new RangeError(`byte budget must be positive, got ${limit}`);
  let used = 0;
  const waiting: Array<{ bytes: number; grant: () => void }> = [];

  const fits = (bytes: number): boolean => used === 0 || used + bytes <= limit;
  const wake = (): void => {
    while (waiting.length > 0 && fits((waiting[0] as { bytes: number }).bytes)) waiting.shift()?.grant();
  };
  const hold = (bytes: number): (() => void) => {
    used += bytes;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      used -= bytes;
      wake();
      opts.afterRelease?.(bytes);
    };
  };

  return {
    inUse: () => used,
    acquire(requested, signal) {
      const bytes = Math.max(0, Math.min(requested, limit));
      if (waiting.length === 0 && fits(bytes)) return Promise.resolve(hold(bytes));
      return new Promise((resolve, reject) => {
        const entry = {
          bytes,
          grant: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve(hold(bytes));
          },
        };
        const onAbort = (): void => {
          const at = waiting.indexOf(entry);
          if (at >= 0) waiting.splice(at, 1);
          reject(signal?.reason ?? new Error('aborted'));
          wake();
        };
        if (signal?.aborted) return onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
        waiting.push(entry);
      });
    },
  };
}
