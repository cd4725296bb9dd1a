/**
 * The decisions of the migration workflow that depend on nothing but numbers: what becomes of a page whose
 * round failed, how long it waits, when planning is tried again, the rate limiter, the circuit breaker, and
 * which controls a phase refuses. Pure, so they are unit-tested; the workflow feeds them and obeys.
 */
import type { Breaker, MigrationPhase, RateBuckets } from '../shared/migration';
import { MAX_PAGE_ATTEMPTS, SET_ASIDE_BACKOFF_MS } from './presets';

/** What becomes of a page whose round threw. */
export type PageErrorDecision =
  | { readonly kind: 'fatal' }
  | { readonly kind: 'fail' }
  | { readonly kind: 'setAside'; readonly backoffMs: number };

/** The wait before a set-aside page's try `attempts + 1`: doubling from a minute, capped at 30 minutes. */
export function setAsideBackoffMs(attempts: number): number {
  return Math.min(SET_ASIDE_BACKOFF_MS.initial * 2 ** attempts, SET_ASIDE_BACKOFF_MS.max);
}

/**
 * A permanent cause (bad credentials, a missing bucket) stops the migration. A transient one sets the page
 * aside, as long as it takes: documents fail only for their own permanent causes, which activities journal per
 * document without throwing. `legacyGiveUp` says whether this run still gives a page up after
 * MAX_PAGE_ATTEMPTS (histories recorded before the patch); it is asked only when that would happen.
 */
export function afterPageError(
  permanent: boolean,
  attempts: number,
  legacyGiveUp: () => boolean,
): PageErrorDecision {
  if (permanent) return { kind: 'fatal' };
  if (attempts + 1 >= MAX_PAGE_ATTEMPTS && legacyGiveUp()) return { kind: 'fail' };
  return { kind: 'setAside', backoffMs: setAsideBackoffMs(attempts) };
}

/** Planning that failed for a transient cause is tried again after this: doubling from 5 s, capped at 5 min. */
export function planningRetryMs(failures: number): number {
  return Math.min(5_000 * 2 ** Math.max(0, failures - 1), 5 * 60_000);
}

/** Rate limits in documents and bytes per second (0: none). */
export interface RateLimits {
  readonly maxDocsPerSecond: number;
  readonly maxBytesPerSecond: number;
}

/**
 * The rate limiter is a token bucket per limit holding at most one second of credit, so a pause, a quiet spell
 * or a slow page banks no burst; credit may go negative (a page larger than a second's worth still starts, and
 * the next waits it off). A fresh bucket holds no credit.
 */
export function emptyBuckets(now: number): RateBuckets {
  return { docs: 0, bytes: 0, at: now };
}

/** The buckets refilled up to `now`. */
export function refilled(b: RateBuckets, limits: RateLimits, now: number): RateBuckets {
  const s = Math.max(0, now - b.at) / 1000;
  const fill = (level: number, rate: number): number => (rate > 0 ? Math.min(rate, level + rate * s) : 0);
  return {
    docs: fill(b.docs, limits.maxDocsPerSecond),
    bytes: fill(b.bytes, limits.maxBytesPerSecond),
    at: now,
  };
}

/** How long a page must wait before it may start (0: now), given refilled buckets. */
export function rateWaitMs(b: RateBuckets, limits: RateLimits): number {
  const wait = (level: number, rate: number): number => (rate > 0 && level < 0 ? (-level / rate) * 1000 : 0);
  return Math.ceil(Math.max(wait(b.docs, limits.maxDocsPerSecond), wait(b.bytes, limits.maxBytesPerSecond)));
}

/** The buckets after a page of `documents` and `bytes` started. */
export function spent(b: RateBuckets, limits: RateLimits, documents: number, bytes: number): RateBuckets {
  return {
    docs: limits.maxDocsPerSecond > 0 ? b.docs - documents : 0,
    bytes: limits.maxBytesPerSecond > 0 ? b.bytes - bytes : 0,
    at: b.at,
  };
}

/** Buckets that keep their debt but lose their credit: after a resume or a new throttle. */
export function withoutCredit(b: RateBuckets, now: number): RateBuckets {
  return { docs: Math.min(0, b.docs), bytes: Math.min(0, b.bytes), at: now };
}

/** Why a pause or cancel is refused in this phase: once finishing has begun there is nothing left to stop. */
export function controlRefusal(
  phase: MigrationPhase,
  what: 'pause' | 'cancel' | 'cut over',
): string | undefined {
  if (phase === 'finishing' || phase === 'done') {
    return `the migration is ${phase === 'done' ? 'done' : 'finishing (every page has ended)'}; there is nothing left to ${what}`;
  }
  return undefined;
}

/** When the circuit breaker opens, and how often it probes while open (doubling, capped). */
export const BREAKER = { threshold: 5, firstProbeMs: 30_000, maxProbeMs: 5 * 60_000 } as const;

/** The error type of a failure message (`Type: message`): what "the same cause" means to the breaker. */
export function causeOf(message: string): string {
  return message.split(':', 1)[0] ?? message;
}

/** How long the breaker waits before probe number `probes + 1`. */
export function probeIntervalMs(probes: number): number {
  return Math.min(BREAKER.firstProbeMs * 2 ** probes, BREAKER.maxProbeMs);
}

/**
 * The breaker after page `index` was set aside with `cause`: `threshold` set-asides in a row with the same cause
 * open it (no page starts but one probe at a time, every probe interval); a failed probe waits longer, a page
 * that was already in flight when it opened changes nothing. `mayOpen` says
 * whether this run may open it (histories recorded before it never did); it is asked only when it would open.
 */
export function breakerAfterSetAside(
  b: Breaker | undefined,
  cause: string,
  index: number,
  now: number,
  mayOpen: () => boolean,
): Breaker {
  const streak = b?.cause === cause ? b.streak + 1 : 1;
  if (b?.open) {
    if (b.open.probing !== index) return { ...b, cause, streak };
    const probes = b.open.probes + 1;
    return {
      cause,
      streak,
      open: { since: b.open.since, probes, nextProbeAt: now + probeIntervalMs(probes) },
    };
  }
  if (streak >= BREAKER.threshold && mayOpen()) {
    return { cause, streak, open: { since: now, probes: 0, nextProbeAt: now + probeIntervalMs(0) } };
  }
  return { cause, streak };
}

/** Whether a page may start now: always while closed; while open, one probe at a time when its time has come. */
export function breakerAllowsStart(b: Breaker | undefined, now: number): boolean {
  return !b?.open || (b.open.probing === undefined && now >= b.open.nextProbeAt);
}

/** The breaker once page `index` started as its probe (unchanged while closed). */
export function probeStarted(b: Breaker | undefined, index: number): Breaker | undefined {
  return b?.open ? { ...b, open: { ...b.open, probing: index } } : b;
}

/** When the breaker next lets a probe start, if it is open and no probe runs. */
export function nextProbeAt(b: Breaker | undefined): number | undefined {
  return b?.open && b.open.probing === undefined ? b.open.nextProbeAt : undefined;
}

/** The operator's view of an open breaker. */
export function breakerReason(b: Breaker, lastError: string | undefined, now: number): string {
  const open = b.open;
  if (!open) return '';
  const next =
    open.probing !== undefined
      ? `page ${open.probing} is probing now`
      : `next probe in ${Math.max(0, Math.round((open.nextProbeAt - now) / 1000))} s`;
  return (
    `circuit open: ${b.streak} pages in a row were set aside with ${b.cause}; no new pages start but one probe ` +
    `page at a time (${next}), and the migration resumes by itself once a probe passes. ` +
    `Last error: ${lastError ?? b.cause}`
  ).slice(0, 500);
}

/** A count of migrated documents at a time, for the rate of the last minute. */
export interface RateSample {
  readonly at: number;
  readonly migrated: number;
}

/** How far back the rate looks: long enough to smooth pages, short enough to follow a throttle or a pause. */
export const RATE_WINDOW_MS = 60_000;

/**
 * Samples kept for {@link recentRate}: the new one, and those of the window (plus the last one before it, so
 * the window is always covered).
 */
export function withSample(samples: readonly RateSample[], s: RateSample): RateSample[] {
  const all = [...samples, s];
  const firstInWindow = all.findIndex((x) => x.at >= s.at - RATE_WINDOW_MS);
  return all.slice(Math.max(0, firstInWindow - 1));
}

/** Documents per second over the last window (since the run began, if younger): after a throttle or a pause too. */
export function recentRate(samples: readonly RateSample[], now: number, migratedNow: number): number {
  const from = samples.find((x) => x.at >= now - RATE_WINDOW_MS) ?? samples[samples.length - 1];
  if (!from || now - from.at < 1_000) return 0;
  return (migratedNow - from.migrated) / ((now - from.at) / 1000);
}
