/**
 * The decisions of the migration workflow that depend on nothing but numbers: what becomes of a page whose
 * round failed, how long it waits, and when planning is tried again. Pure, so they are unit-tested; the
 * workflow feeds them and obeys.
 */
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
