/** The worker's soft heap ceiling collects garbage once the heap passes the limit, and not in a loop after. */
import { getHeapStatistics } from 'node:v8';
import { collectorAbove, startHeapCeiling } from '../../src/workers/heap-ceiling';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('garbage above the limit is collected without --expose-gc', async () => {
  // Start from a collected heap: garbage counted in `base` and collected while the arrays are allocated kept the
  // heap under the limit on a busy jest worker (CI: base ~240 MB, the ceiling never fired).
  collectorAbove(0)();
  const base = getHeapStatistics().used_heap_size;
  // 64 arrays of 131072 doubles: 64 MiB on the JS heap (Buffers would live outside it)
  let garbage: number[][] | undefined = Array.from({ length: 64 }, (_, i) =>
    new Array<number>(131072).fill(i + 0.5),
  );
  // Not against `base`: garbage counted in it may be collected while the arrays are allocated (a busy machine).
  const live = getHeapStatistics().used_heap_size;
  expect(live).toBeGreaterThan(64 * 1024 * 1024);
  garbage = undefined;
  void garbage;
  // The ceiling counts heap and Buffers. Its limit is set now, 48 MiB under what they hold: set before the
  // arrays, a jest worker's Buffers freed meanwhile (CI: heap 246 MB, never collected) kept it from firing.
  const h = getHeapStatistics();
  const stop = startHeapCeiling(h.used_heap_size + h.external_memory - 48 * 1024 * 1024, 20);
  try {
    await sleep(200);
    const after = getHeapStatistics().used_heap_size;
    expect(after).toBeLessThan(base + 32 * 1024 * 1024);
    expect(after).toBeLessThan(live - 48 * 1024 * 1024);
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined(); // the flag is not left on
  } finally {
    stop();
  }
});

test('collectorAbove collects only when heap and Buffers exceed its limit', () => {
  const makeGarbage = (): void => {
    let garbage: number[][] | undefined = Array.from({ length: 32 }, (_, i) =>
      new Array<number>(131072).fill(i + 0.5),
    );
    void garbage;
    garbage = undefined;
  };
  const h = getHeapStatistics();
  const base = h.used_heap_size + h.external_memory;
  makeGarbage(); // 32 MiB of dead arrays, already old enough to stay until a full collection
  const withGarbage = getHeapStatistics().used_heap_size;
  collectorAbove(base + 1024 ** 3)(); // far above: nothing happens
  expect(getHeapStatistics().used_heap_size).toBeGreaterThanOrEqual(withGarbage - 8 * 1024 * 1024);
  collectorAbove(0)(); // below: collects
  expect(getHeapStatistics().used_heap_size).toBeLessThan(withGarbage - 24 * 1024 * 1024);
});
