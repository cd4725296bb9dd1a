/**
 * Rows of the audited buckets whose content_url is not at the audited location: Anchore, configured with this
 * store, cannot read them. Counted per location prefix and listed in keyset pages (bounded memory).
 */
import type { Pool } from 'pg';
import type { ArchiveMetadataRow } from '../catalog/archive-metadata';
import { PK, PK_ORDER } from '../catalog/pages';
import type { DocKey, Selection } from '../shared/migration';
import type { OtherLocationCount } from './types';

/**
 * The location part of a content URL: `db://`, `db2://`, `s3://bucket/`, `swift://container/`, and for
 * localfs the data dir (the path without `<md5(user)>/<bucket>/<xx>/<md5(key)>.json`).
 */
const PREFIX_SQL = `CASE
  WHEN content_url IS NULL THEN '(none)'
  WHEN content_url LIKE 'db://%' THEN 'db://'
  WHEN content_url LIKE 'db2://%' THEN 'db2://'
  WHEN content_url LIKE 'file://%' THEN regexp_replace(content_url, '[^/]*/[^/]*/[^/]*/[^/]*$', '')
  WHEN content_url ~ '^[a-z0-9]+://' THEN substring(content_url from '^[a-z0-9]+://[^/]*/?')
  ELSE '(unparseable)' END`;

/** WHERE of the audited buckets outside the location; parameters $1..$3. */
const WHERE = `NOT starts_with(coalesce(content_url, ''), $1)
  AND (cardinality($2::varchar[]) = 0 OR bucket = ANY($2::varchar[]))
  AND NOT (bucket = ANY($3::varchar[]))`;

const params = (sel: Selection): unknown[] => [sel.sourcePrefix, sel.buckets, sel.excludeBuckets];

/** How many rows point at each other location. */
export async function countOtherLocations(pool: Pool, sel: Selection): Promise<OtherLocationCount[]> {
  const res = await pool.query<OtherLocationCount>(
    `SELECT ${PREFIX_SQL} AS prefix, count(*)::float8 AS rows FROM archive_metadata WHERE ${WHERE}
     GROUP BY 1 ORDER BY 1`,
    params(sel),
  );
  return res.rows;
}

/** The rows pointing elsewhere, one keyset page at a time. */
export async function* otherLocationRows(
  pool: Pool,
  sel: Selection,
  pageSize: number,
): AsyncGenerator<ArchiveMetadataRow> {
  let after: DocKey | undefined;
  for (;;) {
    const p = params(sel);
    const cursor = after ? ` AND ${PK} > ($5, $6, $7, $8)` : '';
    if (after) p.push(pageSize, after.bucket, after.archiveId, after.userId, after.documentName);
    else p.push(pageSize);
    const res = await pool.query<ArchiveMetadataRow>(
      `SELECT bucket, "archiveId", "userId", "documentName", content_url, is_compressed, digest,
              size::float8 AS size, created_at, last_updated
       FROM archive_metadata WHERE ${WHERE}${cursor} ORDER BY ${PK_ORDER} LIMIT $4`,
      p,
    );
    yield* res.rows;
    if (res.rows.length < pageSize) return;
    after = res.rows[res.rows.length - 1];
  }
}
