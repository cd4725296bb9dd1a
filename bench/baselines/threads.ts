/**
 * Threads of a baseline: one per worker process of the real run, each given its share of the work and answering
 * with the number of documents it moved.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

/** What a floor baseline did: every document moved, and how fast. */
export interface FloorResult {
  readonly documents: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly docsPerSecond: number;
  readonly threads: number;
  readonly lanes: number;
}

/** Runs a floor's threads (one per input) over `rows` and gives its rate; throws unless they moved every row. */
export async function timedFloor<T>(
  file: string,
  inputs: readonly T[],
  name: string,
  rows: ReadonlyArray<{ readonly size: number }>,
  lanes: number,
): Promise<FloorResult> {
  const started = process.hrtime.bigint();
  const moved = await runThreads(file, inputs, name);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const documents = moved.reduce((a, b) => a + b, 0);
  if (documents !== rows.length) throw new Error(`${name} moved ${documents} of ${rows.length} documents`);
  return {
    documents,
    bytes: rows.reduce((n, r) => n + r.size, 0),
    seconds,
    docsPerSecond: documents / seconds,
    threads: inputs.length,
    lanes,
  };
}

/** Runs `file` once per input, each in a thread of its own; resolves to the documents each moved. */
function runThreads<T>(file: string, inputs: readonly T[], name: string): Promise<number[]> {
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

/** Works through `units` with `lanes` of them in flight; the documents moved (each unit's `size`). */
export async function inLanes<U>(
  units: readonly U[],
  lanes: number,
  size: (unit: U) => number,
  work: (unit: U) => Promise<void>,
): Promise<number> {
  let next = 0;
  let moved = 0;
  const lane = async (): Promise<void> => {
    while (next < units.length) {
      const unit = units[next++] as U;
      await work(unit);
      moved += size(unit);
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  return moved;
}

/** Each thread's share when `units` are dealt out in turn to `threads` threads. */
export const shareOf = <U>(units: readonly U[], threads: number, k: number): U[] =>
  units.filter((_, i) => i % threads === k);
