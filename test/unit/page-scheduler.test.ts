/**
 * A transient cause never fails a document (issue 20, scenario 6): a destination outage of ten minutes or more
 * used to give every page started meanwhile up after four set-aside rounds (1, 2 and 4 minutes), and the
 * documented 30-minute cap was never reached.
 */
import type { RateBuckets } from '../../src/shared/migration';
import {
  afterPageError,
  controlRefusal,
  emptyBuckets,
  planningRetryMs,
  rateWaitMs,
  refilled,
  setAsideBackoffMs,
  spent,
  withoutCredit,
} from '../../src/workflows/page-scheduler';

const MIN = 60_000;
const today = (): boolean => false; // a run started after the patch: never the old give-up

test('a page with a transient error is set aside again and again, its wait reaching the 30-minute cap', () => {
  const decisions = Array.from({ length: 10 }, (_, attempts) => afterPageError(false, attempts, today));
  expect(decisions.map((d) => d.kind)).toEqual(Array(10).fill('setAside'));
  expect(decisions.map((d) => (d.kind === 'setAside' ? d.backoffMs / MIN : NaN))).toEqual([
    1, 2, 4, 8, 16, 30, 30, 30, 30, 30,
  ]);
});

test('a permanent error stops the migration at once', () => {
  expect(afterPageError(true, 0, today)).toEqual({ kind: 'fatal' });
});

test('a run recorded before the change still gives the page up where it did, and is asked only then', () => {
  const asked: number[] = [];
  const legacy = (attempts: number) => () => {
    asked.push(attempts);
    return true;
  };
  expect(afterPageError(false, 2, legacy(2)).kind).toBe('setAside');
  expect(afterPageError(false, 3, legacy(3))).toEqual({ kind: 'fail' });
  expect(asked).toEqual([3]);
});

test('set-aside backoff and planning retries double and are capped', () => {
  expect(setAsideBackoffMs(0)).toBe(MIN);
  expect(setAsideBackoffMs(40)).toBe(30 * MIN);
  expect([1, 2, 3, 4, 5, 6, 7, 20].map(planningRetryMs)).toEqual([
    5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000,
  ]);
});

describe('the rate limiter: a token bucket holding at most a second of credit (issue 20, deliver 7)', () => {
  const limits = { maxDocsPerSecond: 10, maxBytesPerSecond: 0 };
  /** Starts pages of `docs` documents as soon as the limiter lets them, from `t0`; returns their start times. */
  const starts = (from: RateBuckets, t0: number, pages: number, docs: number): number[] => {
    let b = from;
    let now = t0;
    const at: number[] = [];
    for (let i = 0; i < pages; i++) {
      b = refilled(b, limits, now);
      now += rateWaitMs(b, limits);
      b = spent(refilled(b, limits, now), limits, docs, 0);
      at.push(now - t0);
    }
    return at;
  };

  test('a steady stream of pages keeps to the rate: 10-document pages at 10/s start a second apart', () => {
    expect(starts(emptyBuckets(0), 0, 4, 10)).toEqual([0, 1000, 2000, 3000]);
  });

  test('after a ten-minute pause no burst: at most a second of credit, none after resume', () => {
    const before = spent(emptyBuckets(0), limits, 10, 0);
    const idle = refilled(before, limits, 600_000);
    expect(idle.docs).toBe(10); // capped at one second's worth, not 6,000 documents
    const resumed = withoutCredit(idle, 600_000);
    expect(starts(resumed, 600_000, 3, 10)).toEqual([0, 1000, 2000]);
  });

  test('a page larger than a second of credit still starts, and the next waits its debt off', () => {
    expect(starts(emptyBuckets(0), 0, 2, 50)).toEqual([0, 5000]);
  });

  test('no limit: never waits, holds no credit', () => {
    const none = { maxDocsPerSecond: 0, maxBytesPerSecond: 0 };
    const b = spent(refilled(emptyBuckets(0), none, 10_000), none, 1e6, 1e9);
    expect(rateWaitMs(refilled(b, none, 10_001), none)).toBe(0);
  });

  test('bytes are limited like documents', () => {
    const bytes = { maxDocsPerSecond: 0, maxBytesPerSecond: 1_000 };
    const b = spent(emptyBuckets(0), bytes, 1, 2_500);
    expect(rateWaitMs(refilled(b, bytes, 500), bytes)).toBe(2_000);
  });
});

test('pause and cancel are refused once finishing has begun, and said why', () => {
  for (const phase of ['preparing', 'migrating', 'paused', 'cancelling'] as const) {
    expect(controlRefusal(phase, 'pause')).toBeUndefined();
  }
  expect(controlRefusal('finishing', 'pause')).toMatch(/finishing .*nothing left to pause/);
  expect(controlRefusal('done', 'cancel')).toMatch(/done.*nothing left to cancel/);
});
