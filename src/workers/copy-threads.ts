/**
 * A worker's copy threads (docs/adr/0009): the chunk copier of a worker process. Each chunk goes to the thread
 * with the fewest in flight; cancelling the activity cancels the thread's round, and the activity waits for its
 * answer, so the byte budget is given back only once the thread holds no more of the chunk's bodies. A thread that
 * dies fails its chunks as a retryable error and is replaced for the next one.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ChunkCopier } from '../activities/deps';
import type { CopyRound } from '../activities/copy-round';
import { CopyThreadExitedError } from '../errors';
import type { Logger } from '../logger';
import { fromWire, roundFromWire, type CopyThreadData, type FromThread, type ToThread } from './copy-wire';

/** The compiled thread entry; absent when the worker runs from TypeScript sources (tests bundle nothing). */
const THREAD_ENTRY = join(__dirname, 'copy-thread.js');

interface Pending {
  readonly resolve: (round: CopyRound) => void;
  readonly reject: (err: unknown) => void;
}

interface CopyThread {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
  exited: boolean;
}

export interface CopyThreads extends ChunkCopier {
  close(): Promise<void>;
}

/**
 * A thread's young generation: its garbage is the bodies' small handles, which die young; a smaller one keeps the
 * thread's share of the worker's peak RSS down (docs/adr/0009).
 */
const THREAD_LIMITS = { maxYoungGenerationSizeMb: 12 } as const;

/** Whether this process can start copy threads (it runs compiled, not from TypeScript sources). */
export const copyThreadsAvailable = (): boolean => existsSync(THREAD_ENTRY);

export function startCopyThreads(count: number, data: CopyThreadData, log: Logger): CopyThreads {
  let nextId = 0;
  let busy = 0;
  let closing = false;
  const threads: CopyThread[] = [];

  const spawn = (): CopyThread => {
    const t: CopyThread = {
      worker: new Worker(THREAD_ENTRY, { workerData: data, resourceLimits: THREAD_LIMITS }),
      pending: new Map(),
      exited: false,
    };
    t.worker.on('message', (m: FromThread) => {
      const p = t.pending.get(m.id);
      if (!p) return;
      t.pending.delete(m.id);
      busy += m.busy;
      if (m.type === 'done') p.resolve(roundFromWire(m));
      else p.reject(fromWire(m.error));
    });
    t.worker.on('error', (err) => log.warn(`a copy thread failed: ${err.message}`));
    t.worker.on('exit', (code) => {
      t.exited = true;
      if (!closing) log.warn(`a copy thread exited with code ${code}; a new one takes the next chunk`);
      for (const p of t.pending.values())
        p.reject(
          new CopyThreadExitedError(
            `a copy thread exited with code ${code}; its chunks go back to their pages, which retry them`,
          ),
        );
      t.pending.clear();
    });
    return t;
  };

  /** The live thread with the fewest chunks in flight; a dead one is replaced first. */
  const pick = (): CopyThread => {
    for (let i = 0; i < count; i++) {
      const t = threads[i];
      if (t === undefined || t.exited) threads[i] = spawn();
    }
    return threads.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
  };

  return {
    copy(rows, from, to, signal) {
      signal?.throwIfAborted();
      const t = pick();
      const id = nextId++;
      return new Promise<CopyRound>((resolve, reject) => {
        const cancel = (): void => t.worker.postMessage({ type: 'cancel', id } satisfies ToThread);
        signal?.addEventListener('abort', cancel, { once: true });
        const settle = (): void => signal?.removeEventListener('abort', cancel);
        t.pending.set(id, {
          resolve: (round) => (settle(), resolve(round)),
          reject: (err) => (settle(), reject(err)),
        });
        t.worker.postMessage({ type: 'copy', id, rows, from, to } satisfies ToThread);
      });
    },
    takeBusyAnswers() {
      const n = busy;
      busy = 0;
      return n;
    },
    async close() {
      closing = true;
      await Promise.all(
        threads
          .filter((t) => !t.exited)
          .map(
            (t) =>
              new Promise<void>((resolve) => {
                const force = setTimeout(() => void t.worker.terminate(), 5_000);
                t.worker.once('exit', () => (clearTimeout(force), resolve()));
                t.worker.postMessage({ type: 'close' } satisfies ToThread);
              }),
          ),
      );
    },
  };
}
