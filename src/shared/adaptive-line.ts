/** How status and the UI say that the stores' overloaded answers slowed a migration down. */
import type { AdaptiveLimit } from './migration';

/** The line status and the UI show while a ceiling holds. */
export function adaptiveLine(limit: AdaptiveLimit, now: number): string {
  const mins = Math.max(0, Math.round((now - limit.since) / 60_000));
  return (
    `slowed to ${Math.floor(limit.pages)} page(s) in flight by the stores (${limit.busyAnswers} overloaded ` +
    `answer(s), e.g. S3 503 SlowDown; last cut ${mins} min ago): recovering by itself, nothing fails for it`
  );
}
