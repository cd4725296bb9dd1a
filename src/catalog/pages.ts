/**
 * The archive_metadata queries of a migration: cheap keyset planning (keys and sizes only), the rows of one
 * page, and the metadata switch (one statement per page, compare-and-swap on the whole stored version).
 */
import type { Pool, PoolClient } from 'pg';
import type { BucketCount, DocKey, PageBounds, Selection } from '../shared/migration';
import { metadataColumns, type ArchiveMetadataRow } from './archive-metadata';
import { keyHashOf, movedDocumentName } from './compaction';
import { docKeyString } from './journal';
import { queryByKeyProbes } from '../sql/key-probes';

/** archive_metadata's primary key as a row value, for keyset comparisons. */
export const PK = `(bucket, "archiveId", "userId", "documentName")`;
/** The primary key's columns as a sort list: `ORDER BY (a, b)` sorts by one row value, which no index serves. */
export const PK_ORDER = `bucket, "archiveId", "userId", "documentName"`;

/** Journal phases of a document a migration switched to its destination (kept or deleted source). */
const MOVED_PHASES = ['switched', 'deleted', 'kept'];

/**
 * WHERE clause of a selection; `params` continues after `first - 1` existing parameters. `table` names
 * archive_metadata in the statement (an alias where it is joined to a table with the same column names).
 */
export function selectionWhere(
  sel: Selection,
  first: number,
  table = 'archive_metadata',
): { sql: string; params: unknown[] } {
  const params: unknown[] = [sel.sourcePrefix, sel.buckets, sel.excludeBuckets];
  const t = table;
  let sql =
    `starts_with(${t}.content_url, $${first}) ` +
    `AND (cardinality($${first + 1}::varchar[]) = 0 OR ${t}.bucket = ANY($${first + 1}::varchar[])) ` +
    `AND NOT (${t}.bucket = ANY($${first + 2}::varchar[]))`;
  if (sel.movedBy !== undefined) {
    // A lookup by the journal's primary key (task id, then the document's key) per row; an ended migration's
    // moved documents are looked up by the hash of their key where compaction put them (compaction.ts).
    sql +=
      ` AND (EXISTS (SELECT 1 FROM objectstorage_journal mj WHERE mj.task_id = $${first + 3}` +
      ` AND mj.bucket = ${t}.bucket AND mj."archiveId" = ${t}."archiveId"` +
      ` AND mj."userId" = ${t}."userId" AND mj."documentName" = ${t}."documentName"` +
      ` AND mj.phase = ANY($${first + 4}::varchar[]))` +
      ` OR EXISTS (SELECT 1 FROM objectstorage_moved mm WHERE mm.task_id = $${first + 3}` +
      ` AND mm.key_hash = ${keyHashOf(t)} AND mm.bucket = ${t}.bucket AND mm."archiveId" = ${t}."archiveId"` +
      ` AND mm."userId" = ${t}."userId" AND ${movedDocumentName('mm')} = ${t}."documentName"))`;
    params.push(sel.movedBy, MOVED_PHASES);
  }
  return { sql, params };
}

/** Whether any row of the selection still points at its source (stops at the first one it finds). */
export async function selectionLeftAtSource(pool: Pool, sel: Selection): Promise<boolean> {
  const where = selectionWhere(sel, 1);
  const res = await pool.query(`SELECT 1 FROM archive_metadata WHERE ${where.sql} LIMIT 1`, where.params);
  return res.rows.length > 0;
}

/** Documents and stored bytes per logical bucket of a selection (plan, migrate, prepare, reverse). */
export async function countSelection(pool: Pool, sel: Selection): Promise<BucketCount[]> {
  const where = selectionWhere(sel, 1);
  const res = await pool.query<BucketCount>(
    `SELECT bucket, count(*)::float8 AS documents, coalesce(sum(size), 0)::float8 AS bytes FROM archive_metadata
     WHERE ${where.sql} GROUP BY bucket ORDER BY bucket`,
    where.params,
  );
  return res.rows;
}

const keyParams = (k: DocKey): unknown[] => [k.bucket, k.archiveId, k.userId, k.documentName];
const keyTuple = (n: number): string => `($${n}, $${n + 1}, $${n + 2}, $${n + 3})`;

/** Result of planning: the next pages and where the next planning starts. */
export interface PlannedPages {
  readonly pages: PageBounds[];
  readonly cursor?: DocKey;
  readonly exhausted: boolean;
}

/**
 * What a document without a recorded size (a NULL `size`, from old Anchore rows) is assumed to hold when pages
 * and copy chunks are cut and the worker's byte budget is charged: counting it as 0 would leave them unbounded.
 * Byte totals that are reported (page and task bytes) count only recorded sizes.
 */
export const UNKNOWN_SIZE_BYTES = 1024 * 1024;

/**
 * Cuts the next pages after `cursor`: at most `pageSize` documents and `pageBytes` stored bytes each (a larger
 * document is a page of its own). Reads keys and sizes only, never bodies.
 */
export async function planPages(
  pool: Pool,
  sel: Selection,
  cursor: DocKey | undefined,
  opts: { pages: number; pageSize: number; pageBytes: number; firstIndex: number },
): Promise<PlannedPages> {
  const where = selectionWhere(sel, 1);
  const params = [...where.params];
  let after = '';
  if (cursor) {
    after = ` AND ${PK} > ${keyTuple(params.length + 1)}`;
    params.push(...keyParams(cursor));
  }
  const limit = opts.pages * opts.pageSize;
  params.push(limit);
  const res = await pool.query<DocKey & { size: number | null }>(
    `SELECT bucket, "archiveId", "userId", "documentName", size::float8 AS size FROM archive_metadata
     WHERE ${where.sql}${after} ORDER BY ${PK_ORDER} LIMIT $${params.length}`,
    params,
  );
  const pages: PageBounds[] = [];
  let start = cursor;
  let documents = 0;
  let bytes = 0;
  let weight = 0; // bytes, with UNKNOWN_SIZE_BYTES for a NULL size: what pageBytes bounds
  let last: DocKey | undefined;
  const close = (): void => {
    if (!last) return;
    pages.push({
      index: opts.firstIndex + pages.length,
      ...(start ? { after: start } : {}),
      last,
      documents,
      bytes,
    });
    start = last;
    documents = 0;
    bytes = 0;
    weight = 0;
  };
  for (const row of res.rows) {
    const size = row.size ?? UNKNOWN_SIZE_BYTES;
    if (documents > 0 && (documents >= opts.pageSize || weight + size > opts.pageBytes)) close();
    last = {
      bucket: row.bucket,
      archiveId: row.archiveId,
      userId: row.userId,
      documentName: row.documentName,
    };
    documents += 1;
    bytes += row.size ?? 0;
    weight += size;
  }
  if (documents > 0) close();
  return { pages, ...(start ? { cursor: start } : {}), exhausted: res.rows.length < limit };
}

/**
 * The selected rows of one page, read in key order with a LIMIT a little above the page's planned count, so
 * PostgreSQL walks the primary-key index: it estimates a key range by its first column, and without a LIMIT it
 * may sort a whole logical bucket; ORDER BY names the key's columns (PK_ORDER), since no index serves a row
 * value (bench/README.md#measurements-behind-the-code). Rows added to the range since planning are still
 * returned: a full batch is followed by another from its last key.
 */
export async function pageRows(pool: Pool, sel: Selection, page: PageBounds): Promise<ArchiveMetadataRow[]> {
  const limit = page.documents + 64;
  const rows: ArchiveMetadataRow[] = [];
  let after = page.after;
  for (;;) {
    const batch = await pageRowsBatch(pool, sel, after, page.last, limit);
    rows.push(...batch);
    if (batch.length < limit) return rows;
    after = batch[batch.length - 1];
  }
}

async function pageRowsBatch(
  pool: Pool,
  sel: Selection,
  after: DocKey | undefined,
  last: DocKey,
  limit: number,
): Promise<ArchiveMetadataRow[]> {
  const where = selectionWhere(sel, 1);
  const params = [...where.params];
  let lower = '';
  if (after) {
    lower = ` AND ${PK} > ${keyTuple(params.length + 1)}`;
    params.push(...keyParams(after));
  }
  const upper = ` AND ${PK} <= ${keyTuple(params.length + 1)}`;
  params.push(...keyParams(last), limit);
  const res = await pool.query<ArchiveMetadataRow>(
    `SELECT ${metadataColumns()} FROM archive_metadata WHERE ${where.sql}${lower}${upper} ORDER BY ${PK_ORDER}
     LIMIT $${params.length}`,
    params,
  );
  return res.rows;
}

/** What a metadata row holds of a document's stored version: where, its digest, its size, compressed or not. */
export interface StoredVersion {
  readonly url: string;
  readonly digest: string | null;
  readonly size: number | null;
  readonly isCompressed: boolean | null;
}

/**
 * One metadata switch: the row identified by key moves from the version `from` to the version `to`, only if
 * it still holds `from` as a whole. Anchore keeps a key's content_url when it rewrites the document, so the URL
 * alone cannot tell a rewritten row from the one that was copied.
 */
export interface MetadataSwitch extends DocKey {
  readonly from: StoredVersion;
  readonly to: StoredVersion;
}

/** The statement of {@link switchMetadata}; exported for its plan test (test/integration/key-probe-plans). */
export const SWITCH_METADATA_SQL = `UPDATE archive_metadata m SET content_url = v.dest_url, digest = v.digest, size = v.size,
       is_compressed = v.is_compressed, last_updated = extract(epoch from now())::integer
     FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[], $5::varchar[], $6::varchar[],
                 $7::varchar[], $8::bigint[], $9::boolean[], $10::varchar[], $11::bigint[], $12::boolean[])
       AS v(bucket, "archiveId", "userId", "documentName", source_url, dest_url, digest, size, is_compressed,
            source_digest, source_size, source_compressed)
     WHERE m.bucket = v.bucket AND m."archiveId" = v."archiveId" AND m."userId" = v."userId"
       AND m."documentName" = v."documentName" AND m.content_url = v.source_url
       AND m.digest IS NOT DISTINCT FROM v.source_digest AND m.size IS NOT DISTINCT FROM v.source_size
       AND m.is_compressed IS NOT DISTINCT FROM v.source_compressed
     RETURNING m.bucket, m."archiveId", m."userId", m."documentName"`;

/**
 * Switches metadata rows in one statement, each only if it still holds the version it is switched from
 * (compare-and-swap on content_url, digest, size and is_compressed), so a row changed by someone else is never
 * overwritten. Returns the keys that were switched. Runs in the caller's transaction, by primary-key probes
 * ({@link queryByKeyProbes}).
 */
export async function switchMetadata(
  client: PoolClient,
  switches: readonly MetadataSwitch[],
): Promise<DocKey[]> {
  if (switches.length === 0) return [];
  return (await queryByKeyProbes<DocKey>(client, SWITCH_METADATA_SQL, switchParams(switches))).rows;
}

/** The parameters of {@link SWITCH_METADATA_SQL}: one array per column. */
export function switchParams(switches: readonly MetadataSwitch[]): unknown[][] {
  return [
    switches.map((s) => s.bucket),
    switches.map((s) => s.archiveId),
    switches.map((s) => s.userId),
    switches.map((s) => s.documentName),
    switches.map((s) => s.from.url),
    switches.map((s) => s.to.url),
    switches.map((s) => s.to.digest),
    switches.map((s) => s.to.size),
    switches.map((s) => s.to.isCompressed),
    switches.map((s) => s.from.digest),
    switches.map((s) => s.from.size),
    switches.map((s) => s.from.isCompressed),
  ];
}

/**
 * Locks the metadata rows of `keys` (FOR UPDATE, until the caller's transaction ends) and returns the version
 * each holds, by {@link docKeyString}; a key without a row is absent. Whoever decides from it to delete an
 * object deletes before that transaction ends, so no switch can point a row at the object in between. By
 * primary-key probes; the caller's client must be in a transaction.
 */
export async function lockVersions(
  client: PoolClient,
  keys: readonly DocKey[],
): Promise<Map<string, StoredVersion>> {
  return versionsOf(client, keys, 'FOR UPDATE OF m');
}

/** The version each of `keys` holds now, without locking (a key without a row is absent). */
export async function currentVersions(
  pool: Pool,
  keys: readonly DocKey[],
): Promise<Map<string, StoredVersion>> {
  return versionsOf(pool, keys, '');
}

async function versionsOf(
  db: Pool | PoolClient,
  keys: readonly DocKey[],
  lock: string,
): Promise<Map<string, StoredVersion>> {
  if (keys.length === 0) return new Map();
  const res = await queryByKeyProbes<
    DocKey & {
      content_url: string;
      digest: string | null;
      size: number | null;
      is_compressed: boolean | null;
    }
  >(
    db,
    `SELECT m.bucket, m."archiveId", m."userId", m."documentName", m.content_url, m.digest,
            m.size::float8 AS size, m.is_compressed
     FROM archive_metadata m
     JOIN unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[])
       AS v(bucket, "archiveId", "userId", "documentName")
       ON m.bucket = v.bucket AND m."archiveId" = v."archiveId" AND m."userId" = v."userId"
      AND m."documentName" = v."documentName"
     ${lock}`,
    [
      keys.map((c) => c.bucket),
      keys.map((c) => c.archiveId),
      keys.map((c) => c.userId),
      keys.map((c) => c.documentName),
    ],
  );
  return new Map(
    res.rows.map((r) => [
      docKeyString(r),
      { url: r.content_url, digest: r.digest, size: r.size, isCompressed: r.is_compressed },
    ]),
  );
}

/** Whether two stored versions are the same: same place, digest, size and compression flag. */
export function sameVersion(a: StoredVersion | undefined, b: StoredVersion): boolean {
  return (
    a !== undefined &&
    a.url === b.url &&
    a.digest === b.digest &&
    a.size === b.size &&
    (a.isCompressed ?? false) === (b.isCompressed ?? false)
  );
}
