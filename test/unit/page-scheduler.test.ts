/**
 * A transient cause never fails a document (issue 20, scenario 6): a destination outage of ten minutes or more
 * used to give every page started meanwhile up after four set-aside rounds (1, 2 and 4 minutes), and the
 * documented 30-minute cap was never reached.
 */
import type { Breaker, RateBuckets } from '../../src/shared/migration';
import {
  afterPageError,
  breakerAfterSetAside,
  breakerAllowsStart,
  breakerReason,
  causeOf,
  controlRefusal,
  emptyBuckets,
  nextProbeAt,
  planningRetryMs,
  probeStarted,
  rateWaitMs,
  refilled,
  setAsideBackoffMs,
  spent,
  withoutCredit,
  recentRate,
  withSample,
  type RateSample,
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

describe('the circuit breaker over set-aside pages (issue 20, deliver 6)', () => {
  const may = (): boolean => true;
  const after = (n: number, cause: string, now = 0): Breaker | undefined => {
    let b: Breaker | undefined;
    for (let i = 0; i < n; i++) b = breakerAfterSetAside(b, cause, i, now, may);
    return b;
  };

  test('five set-asides in a row with one cause open it: no page starts until the first probe is due', () => {
    expect(after(4, 'NetworkError')?.open).toBeUndefined();
    const open = after(5, 'NetworkError', 1_000);
    expect(open?.open).toMatchObject({ since: 1_000, probes: 0, nextProbeAt: 31_000 });
    expect(breakerAllowsStart(open, 30_999)).toBe(false);
    expect(breakerAllowsStart(open, 31_000)).toBe(true);
  });

  test('different causes do not add up', () => {
    let b = after(4, 'NetworkError');
    b = breakerAfterSetAside(b, 'TimeoutError', 4, 0, may);
    expect(b).toEqual({ cause: 'TimeoutError', streak: 1 });
  });

  test('one probe at a time; a failed probe waits twice as long, up to five minutes', () => {
    let b = probeStarted(after(5, 'NetworkError', 0), 7);
    expect(b?.open?.probing).toBe(7);
    expect(breakerAllowsStart(b, 10 ** 9)).toBe(false);
    expect(nextProbeAt(b)).toBeUndefined();
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      b = breakerAfterSetAside(b, 'NetworkError', 7, 100_000, may);
      waits.push(((nextProbeAt(b) ?? 0) - 100_000) / 1000);
      b = probeStarted(b, 7);
    }
    expect(waits).toEqual([60, 120, 240, 300, 300, 300]);
  });

  test('a page already in flight when it opened, set aside afterwards, does not push the probe out', () => {
    const open = probeStarted(after(5, 'NetworkError', 0), 9);
    const later = breakerAfterSetAside(open, 'NetworkError', 6, 20_000, may);
    expect(later.open).toEqual(open?.open);
    expect(later.streak).toBe(6);
  });

  test('a run recorded before the breaker never opens it, and is asked only when it would', () => {
    let asked = 0;
    const legacy = (): boolean => (asked++, false);
    let b: Breaker | undefined;
    for (let i = 0; i < 7; i++) b = breakerAfterSetAside(b, 'NetworkError', i, 0, legacy);
    expect(b?.open).toBeUndefined();
    expect(asked).toBe(3);
    expect(breakerAllowsStart(b, 0)).toBe(true);
  });

  test('its reason says what is held back, why, and that it resumes by itself', () => {
    const b = after(5, 'NetworkError', 0) as Breaker;
    expect(breakerReason(b, 'NetworkError: connect ECONNREFUSED 127.0.0.1:9000', 10_000)).toMatch(
      /circuit open: 5 pages in a row were set aside with NetworkError.*next probe in 20 s.*resumes by itself.*ECONNREFUSED/,
    );
    expect(causeOf('NetworkError: connect ECONNREFUSED')).toBe('NetworkError');
  });
});

describe('the rate of the last minute', () => {
  const t0 = 1_000_000;
  test('follows a throttle: after a slower minute the rate is the slower one, not the average since the start', () => {
    let samples: RateSample[] = [{ at: t0, migrated: 0 }];
    // 10 docs/s for two minutes, then 1 doc/s for a minute.
    for (let s = 1; s <= 120; s++) samples = withSample(samples, { at: t0 + s * 1000, migrated: s * 10 });
    for (let s = 121; s <= 180; s++)
      samples = withSample(samples, { at: t0 + s * 1000, migrated: 1200 + (s - 120) });
    const now = t0 + 180_000;
    expect(recentRate(samples, now, 1260)).toBeCloseTo(1, 1);
    expect(samples.length).toBeLessThanOrEqual(62);
  });

  test('is zero while nothing moves (paused), once the window has passed', () => {
    const samples = withSample([{ at: t0, migrated: 0 }], { at: t0 + 10_000, migrated: 100 });
    expect(recentRate(samples, t0 + 10_000 + 90_000, 100)).toBe(0);
    expect(recentRate(samples, t0 + 10_000, 100)).toBeCloseTo(10, 5);
  });
});
