/**
 * Prometheus metrics of the page activities, recorded in one place: {@link ActivityMetrics.observe} wraps an
 * activity, times it and turns what it returns into document counters. The meter is the Temporal Runtime's,
 * so these series are served on the same `/metrics` endpoint as the SDK's own `temporal_*` metrics.
 *
 * Labels are bounded on purpose: the activity type, the outcome and the two driver names. Task ids, buckets,
 * document keys and store locations never become labels (unbounded, and locations may name private hosts).
 */
import type { MetricCounter, MetricHistogram, MetricMeter, MetricTags } from '@temporalio/common';
import { isDriverName } from '../config';
import type { MigrationInput, PageCounts } from '../shared/migration';
import type { DeleteCounts } from './source-deletes';
import type { VerifyCounts } from './verify-page';

/** What one page activity did to documents; absent fields are not this activity's business. */
export interface PageOutcome {
  readonly copied?: number;
  readonly copiedBytes?: number;
  readonly verified?: number;
  readonly deleted?: number;
  readonly failed?: number;
}

/** How each page activity's result reads as a {@link PageOutcome}. */
export const pageOutcomes = {
  copyPage: (r: PageCounts): PageOutcome => ({ copied: r.documents, copiedBytes: r.bytes, failed: r.failed }),
  /** Verified documents are switched in the same transaction; only switched ones count as verified. */
  verifyPage: (r: VerifyCounts): PageOutcome => ({ verified: r.switched, failed: r.failed }),
  deletePage: (r: DeleteCounts): PageOutcome => ({ deleted: r.deleted }),
  /** Only documents not failed before (by copy or verify) are counted, so failures are never counted twice. */
  failPage: (failed: number): PageOutcome => ({ failed }),
} as const;

/** Records metrics around page activities. */
export interface ActivityMetrics {
  /** `fn`, timed and counted under its function name as the activity type; errors pass through unchanged. */
  observe<A extends [MigrationInput, ...unknown[]], R>(
    fn: (...args: A) => Promise<R>,
    outcome: (result: R) => PageOutcome,
  ): (...args: A) => Promise<R>;
}

/** Metric names, Prometheus style: `anchore_objectstorage_` prefix, `_total` counters, base units. */
export const METRIC_NAMES = {
  copied: 'anchore_objectstorage_documents_copied_total',
  copiedBytes: 'anchore_objectstorage_copied_bytes_total',
  verified: 'anchore_objectstorage_documents_verified_total',
  deleted: 'anchore_objectstorage_documents_deleted_total',
  failed: 'anchore_objectstorage_documents_failed_total',
  duration: 'anchore_objectstorage_page_activity_duration_seconds',
} as const;

/** Histogram buckets (seconds) of the page activity duration: pages take from milliseconds to minutes. */
export const DURATION_BUCKETS_SECONDS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** Metrics recorded through `meter` (the Temporal Runtime's; a no-op meter when metrics are off). */
export function createActivityMetrics(meter: MetricMeter): ActivityMetrics {
  const counters: Record<keyof PageOutcome, MetricCounter> = {
    copied: meter.createCounter(METRIC_NAMES.copied, '', 'Documents copied to the destination.'),
    copiedBytes: meter.createCounter(
      METRIC_NAMES.copiedBytes,
      'By',
      'Stored bytes written to the destination (after re-compression).',
    ),
    verified: meter.createCounter(
      METRIC_NAMES.verified,
      '',
      'Documents verified at the destination and switched to it in archive_metadata.',
    ),
    deleted: meter.createCounter(METRIC_NAMES.deleted, '', 'Source documents deleted after their switch.'),
    failed: meter.createCounter(
      METRIC_NAMES.failed,
      '',
      'Documents journaled failed (left at their source); see `objectstorage status ID --failures`.',
    ),
  };
  const duration: MetricHistogram = meter.createHistogram(
    METRIC_NAMES.duration,
    'float',
    's',
    'Duration of each page stage (copyPage, verifyPage, deletePage) and of failPage, retries included.',
  );

  return {
    observe(fn, outcome) {
      const activityType = fn.name;
      const observed = async (...args: Parameters<typeof fn>) => {
        const tags = { activity_type: activityType, ...driverTags(args[0]) };
        const started = performance.now();
        let result: Awaited<ReturnType<typeof fn>>;
        try {
          result = await fn(...args);
        } catch (err) {
          duration.record(secondsSince(started), { ...tags, outcome: 'error' });
          throw err;
        }
        duration.record(secondsSince(started), { ...tags, outcome: 'ok' });
        // Zeros are added too, so every series exists (e.g. failed = 0) from the first page on.
        for (const [key, value] of Object.entries(outcome(result)) as Array<[keyof PageOutcome, number]>) {
          counters[key].add(value, tags);
        }
        return result;
      };
      Object.defineProperty(observed, 'name', { value: activityType });
      return observed;
    },
  };
}

/** Driver names only (a closed set); anything else is reported as `unknown` so labels stay bounded. */
function driverTags(input: MigrationInput | undefined): MetricTags {
  const name = (store: MigrationInput['from'] | undefined): string => {
    const driver = store?.storage_driver?.name;
    return isDriverName(driver) ? driver : 'unknown';
  };
  return { source_driver: name(input?.from), destination_driver: name(input?.to) };
}

function secondsSince(startedMs: number): number {
  return (performance.now() - startedMs) / 1000;
}
