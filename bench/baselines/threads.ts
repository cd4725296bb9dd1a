/**
 * Threads of a baseline: one per worker process of the real run, each given its share of the work and answering
 * with the number of documents it moved.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

/** Runs `file` once per input, each in a thread of its own; resolves to the documents each moved. */
export function runThreads<T>(file: string, inputs: readonly T[], name: string): Promise<number[]> {
  return Promise.all(
    inputs.map(
      (input) =>
        new Promise<number>((resolve, reject) => {
          const w = new Worker(file, { workerData: input });
          w.once('message', (n: number) => resolve(n));
          w.once('error', reject);
          w.once('exit', (code) => code !== 0 && reject(new Error(`${name} thread exited with ${code}`)));
        }),
    ),
  );
}

/** In a baseline's thread (not in its main thread): runs `run` on the thread's input and reports its count. */
export function serveThread<T>(run: (input: T) => Promise<number>): void {
  if (isMainThread) return;
  run(workerData as T).then(
    (n) => parentPort?.postMessage(n),
    (err: unknown) => {
      throw err;
    },
  );
}

/** Each thread's share when `units` are dealt out in turn to `threads` threads. */
export const shareOf = <U>(units: readonly U[], threads: number, k: number): U[] =>
  units.filter((_, i) => i % threads === k);
