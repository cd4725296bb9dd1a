/** Text of the demo-data summary: a per-bucket table of generated (logical) and stored bytes. */
import { formatBytes } from '../shared/bytes';
import type { StoredBucketStats } from './catalog-stats';
import { DEMO_BUCKETS, type DemoBucket } from './plan';
import type { DemoBucketTotals } from './write';

/** One bucket of the summary, generated and stored side by side. */
export interface DemoBucketSummary {
  readonly bucket: DemoBucket;
  readonly documents: number;
  readonly logicalBytes: number;
  readonly storedBytes: number;
  readonly compressed: number;
  readonly nonUtf8: number;
  readonly smallest: number;
  readonly largest: number;
}

/** Joins what was generated with what archive_metadata records, in Anchore's bucket order. */
export function bucketSummaries(
  generated: ReadonlyMap<DemoBucket, DemoBucketTotals>,
  stored: readonly StoredBucketStats[],
): DemoBucketSummary[] {
  return DEMO_BUCKETS.flatMap((bucket) => {
    const g = generated.get(bucket);
    if (!g) return [];
    const s = stored.find((row) => row.bucket === bucket);
    return [
      {
        bucket,
        documents: g.documents,
        logicalBytes: g.logicalBytes,
        storedBytes: s?.storedBytes ?? 0,
        compressed: s?.compressed ?? 0,
        nonUtf8: g.nonUtf8,
        smallest: g.smallest,
        largest: g.largest,
      },
    ];
  });
}

/** The per-bucket table with a total line. */
export function bucketTable(rows: readonly DemoBucketSummary[]): string[] {
  const head = ['bucket', 'docs', 'generated', 'stored', 'compressed', 'non-UTF-8', 'smallest', 'largest'];
  const body = rows.map((r) => [
    r.bucket,
    String(r.documents),
    formatBytes(r.logicalBytes),
    formatBytes(r.storedBytes),
    String(r.compressed),
    String(r.nonUtf8),
    formatBytes(r.smallest),
    formatBytes(r.largest),
  ]);
  const sum = (f: (r: DemoBucketSummary) => number): number => rows.reduce((a, r) => a + f(r), 0);
  body.push([
    'total',
    String(sum((r) => r.documents)),
    formatBytes(sum((r) => r.logicalBytes)),
    formatBytes(sum((r) => r.storedBytes)),
    String(sum((r) => r.compressed)),
    String(sum((r) => r.nonUtf8)),
    formatBytes(Math.min(...rows.map((r) => r.smallest))),
    formatBytes(Math.max(...rows.map((r) => r.largest))),
  ]);
  const all = [head, ...body];
  const widths = head.map((_, i) => Math.max(...all.map((row) => (row[i] as string).length)));
  return all.map((row) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  '),
  );
}
