/**
 * Back-pressure from overloaded stores (S3 503 SlowDown; AWS allows ~3,500 PUT/s per prefix, and all of an
 * account's documents share one): AIMD over the pages in flight, the window every worker draws from, under the
 * operator's concurrency. Halved on an overloaded answer (once per cool-down, as the pages in flight report the
 * same overload), raised by one page per window of clean pages, and lifted once back at the operator's value.
 * Within a page, the S3 client's adaptive retry spaces its own requests. Pure: the workflow owns the state.
 */
import type { AdaptiveLimit, Throttle } from '../shared/migration';

/** Pages that report the same overload within this long of a cut cut nothing more. */
export const CUT_COOLDOWN_MS = 5_000;

/** The limit after `busy` overloaded answers, under the operator's `throttle`. */
export function cutOnBusy(
  limit: AdaptiveLimit | undefined,
  busy: number,
  throttle: Throttle,
  now: number,
): AdaptiveLimit {
  if (limit && now - limit.since < CUT_COOLDOWN_MS)
    return { ...limit, cleanPages: 0, busyAnswers: limit.busyAnswers + busy };
  const pages = Math.min(limit?.pages ?? throttle.concurrency, throttle.concurrency);
  return {
    pages: Math.max(1, pages / 2),
    since: now,
    cleanPages: 0,
    busyAnswers: (limit?.busyAnswers ?? 0) + busy,
  };
}

/** The limit after a page without overloaded answers; undefined once back at the operator's concurrency. */
export function recoverAfterCleanPage(limit: AdaptiveLimit, throttle: Throttle): AdaptiveLimit | undefined {
  const pages = limit.pages + 1 / limit.pages;
  if (pages >= throttle.concurrency) return undefined;
  return { ...limit, pages, cleanPages: limit.cleanPages + 1 };
}

/** The throttle the scheduler applies: the operator's, with the learnt window under it. */
export function effectiveThrottle(t: Throttle, limit: AdaptiveLimit | undefined): Throttle {
  if (!limit) return t;
  return { ...t, concurrency: Math.max(1, Math.min(t.concurrency, Math.floor(limit.pages))) };
}
