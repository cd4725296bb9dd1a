/**
 * A soft ceiling on the worker's JavaScript heap. Document bodies arrive from PostgreSQL as strings that live
 * long enough to reach V8's old space, and V8 lets that space grow to hundreds of MB of garbage before it
 * collects: the bench measured worker peaks of ~330 MiB, ~270 MiB with the heap capped. A hard cap
 * (`--max-old-space-size`) would crash on one large document, so instead the worker checks its heap ten times a
 * second and runs a full collection once more than `limitBytes` is in use; a large document still fits.
 */
import { setFlagsFromString, getHeapStatistics } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** `gc()` without starting node with --expose-gc: the flag is set only while one context picks the function up. */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  try {
    return runInNewContext('gc') as () => void;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

/**
 * Starts the checks; returns a function that stops them. After a collection that leaves more than the limit
 * live (a large document in work), the next one waits until the heap has grown by another `limitBytes / 2`,
 * so a big live set never makes the worker collect in a loop.
 */
export function startHeapCeiling(limitBytes: number, everyMs = 100): () => void {
  const gc = collector();
  let threshold = limitBytes;
  const timer = setInterval(() => {
    if (getHeapStatistics().used_heap_size <= threshold) return;
    gc();
    threshold = Math.max(limitBytes, getHeapStatistics().used_heap_size + limitBytes / 2);
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
