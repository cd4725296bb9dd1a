/**
 * A soft ceiling on the worker's JavaScript heap and Buffers. Bodies, their compressed copies and HTTP buffers
 * are memory outside the heap that only a collection of their handles frees, and V8 lets such garbage pile up
 * in old space. The worker checks ten times a second and runs a full collection once heap and Buffers together
 * hold more than `limitBytes`; a large document still fits. It trades some CPU for a bounded peak
 * (bench/README.md#measurements-behind-the-code).
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

// Buffers count too: their memory is outside the heap, but only a collection of their handles frees it.
const inUse = (): number => {
  const h = getHeapStatistics();
  return h.used_heap_size + h.external_memory;
};

/**
 * A function that collects garbage when heap and Buffers together hold more than `limitBytes`, for the moment a
 * large document has just been written: its copies (pg's receive buffers, the text, the bytes, the compressed
 * form) reach V8's old space and would otherwise wait for the next full collection, which is what set the
 * worker's peak (bench/README.md#measurements-behind-the-code).
 */
export function collectorAbove(limitBytes: number): () => void {
  const gc = collector();
  return () => {
    if (inUse() > limitBytes) gc();
  };
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
    if (inUse() <= threshold) return;
    gc();
    threshold = Math.max(limitBytes, inUse() + limitBytes / 2);
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
