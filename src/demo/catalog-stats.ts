/** Stored totals per logical bucket, from archive_metadata: what the catalog records after the demo's puts. */
import type { Pool } from 'pg';

/** One bucket's stored documents. `storedBytes` is after compression. */
export interface StoredBucketStats {
  readonly bucket: string;
  readonly documents: number;
  readonly storedBytes: number;
  readonly compressed: number;
  readonly smallest: number;
  readonly largest: number;
}

/** Per-bucket totals of every archive_metadata row. */
export async function storedBucketStats(pool: Pool): Promise<StoredBucketStats[]> {
  const res = await pool.query<StoredBucketStats>(
    `SELECT bucket, count(*)::int AS documents, coalesce(sum(size), 0)::float8 AS "storedBytes",
            count(*) FILTER (WHERE is_compressed)::int AS compressed,
            coalesce(min(size), 0)::float8 AS smallest, coalesce(max(size), 0)::float8 AS largest
     FROM archive_metadata GROUP BY bucket ORDER BY bucket`,
  );
  return res.rows;
}

/** Number of archive_metadata rows. */
export async function metadataRowCount(pool: Pool): Promise<number> {
  const res = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM archive_metadata');
  return res.rows[0]?.n ?? 0;
}
