/** AIMD over the pages in flight (issue 22, item 4): halved on overload, one page per window back, then lifted. */
import {
  CUT_COOLDOWN_MS,
  cutOnBusy,
  effectiveThrottle,
  recoverAfterCleanPage,
} from '../../src/workflows/adaptive-limit';

const throttle = { concurrency: 8, maxDocsPerSecond: 0, maxBytesPerSecond: 0 };

test("the first overload halves the operator's concurrency", () => {
  expect(cutOnBusy(undefined, 3, throttle, 1_000)).toEqual({
    pages: 4,
    since: 1_000,
    cleanPages: 0,
    busyAnswers: 3,
  });
});

test('pages in flight reporting the same overload cut once; after the cool-down, again, down to one page', () => {
  const first = cutOnBusy(undefined, 1, throttle, 0);
  const same = cutOnBusy(first, 2, throttle, CUT_COOLDOWN_MS - 1);
  expect(same).toMatchObject({ pages: 4, busyAnswers: 3 });
  const later = cutOnBusy(same, 1, throttle, CUT_COOLDOWN_MS + 1);
  expect(later).toMatchObject({ pages: 2, busyAnswers: 4, since: CUT_COOLDOWN_MS + 1 });
  let low = later;
  for (let i = 2; i < 10; i++) low = cutOnBusy(low, 1, throttle, i * CUT_COOLDOWN_MS);
  expect(low.pages).toBe(1);
  expect(effectiveThrottle(throttle, low).concurrency).toBe(1);
});

test('clean pages add one page per window of pages, and the limit is lifted at the operator value', () => {
  let limit: ReturnType<typeof recoverAfterCleanPage> = cutOnBusy(undefined, 1, throttle, 0); // 4 pages
  for (let i = 0; i < 4; i++) limit = recoverAfterCleanPage(limit!, throttle);
  expect(limit?.pages).toBeGreaterThan(4.9);
  expect(effectiveThrottle(throttle, limit).concurrency).toBe(4); // a fraction short of the fifth page
  let pages = 4;
  while (limit) {
    limit = recoverAfterCleanPage(limit, throttle);
    pages += 1;
  }
  expect(pages).toBeLessThan(40);
});

test("the window never exceeds the operator's concurrency, also after a throttle lowers it", () => {
  const limit = cutOnBusy(undefined, 1, throttle, 0);
  expect(effectiveThrottle(throttle, undefined)).toBe(throttle);
  expect(effectiveThrottle(throttle, limit)).toMatchObject({ concurrency: 4, maxDocsPerSecond: 0 });
  expect(effectiveThrottle({ ...throttle, concurrency: 2 }, limit).concurrency).toBe(2);
  expect(cutOnBusy(limit, 1, { ...throttle, concurrency: 2 }, CUT_COOLDOWN_MS * 2).pages).toBe(1);
});
