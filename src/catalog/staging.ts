/**
 * The catalog side of a staged migration (docs/adr/0006): which selected rows changed since their copy was
 * staged (or were never staged), marking them for another copy on a delta page, reading a delta page's rows,
 * and the staged documents Anchore deleted meanwhile. Only our journal is written; archive_metadata is read.
 */
import type { Pool, PoolClient } from 'pg';
import type { DocKey, Selection } from '../shared/migration';
import { metadataColumns, type ArchiveMetadataRow } from './archive-metadata';
import { journalColumns, MOVES_TO, type JournalRow } from './journal-schema';
import { queryByKeyProbes, TASK_PER_KEY } from '../sql/key-probes';
import { PK_ORDER, selectionWhere } from './pages';

/** Our index on archive_metadata.last_updated while a migration is staged: each pass reads only what changed. */
export const STAGE_INDEX = 'objectstorage_stage_last_updated';

/**
 * Creates the staging index if missing (concurrently: Anchore's writes go on while it builds). Anchore's tables
 * belong to Anchore's role; without the right to index one, passes read the whole table instead, which is
 * slower, never wrong. Returns why it could not be created, if it could not.
 */
export async function createStageIndex(pool: Pool): Promise<string | undefined> {
  try {
    await pool.query(
      `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${STAGE_INDEX} ON archive_metadata (last_updated)`,
    );
    return undefined;
  } catch (err) {
    const code = (err as { code?: string }).code;
    // 42501 insufficient_privilege; 42P07 another process created it meanwhile.
    if (code === '42P07') return undefined;
    if (code === '42501') return (err as Error).message;
    throw err;
  }
}

/** Drops the staging index (once no migration is staged: one migration runs per catalog at a time). */
export async function dropStageIndex(pool: Pool): Promise<void> {
  await pool.query(`DROP INDEX CONCURRENTLY IF EXISTS ${STAGE_INDEX}`);
}

/**
 * How far before the previous pass's start a delta pass looks: `last_updated` is whole seconds of the writing
 * host's clock, set before the write commits. A row committed later than that, or stamped by a clock further
 * behind, is still at the source at the cutover, which moves it like migrate; it only makes that delta larger.
 */
export const DELTA_OVERLAP_SECONDS = 5;

/** The catalog's clock, in epoch seconds: where the next delta pass starts looking. */
export async function catalogEpochSeconds(pool: Pool): Promise<number> {
  const res = await pool.query<{ now: number }>(`SELECT extract(epoch from now())::float8 AS now`);
  return Math.floor((res.rows[0] as { now: number }).now);
}

/** A selected row a delta pass found: never staged (`staged` false) or changed since its copy was staged. */
export interface DeltaRow extends DocKey {
  readonly content_url: string;
  readonly digest: string | null;
  readonly size: number | null;
  readonly is_compressed: boolean | null;
  readonly staged: boolean;
}

/**
 * Selected rows with no journal row yet, or whose staged version (URL, digest, size, compression flag) is not
 * the one the row holds now, in key order, `limit` at most. With `since` (epoch seconds) only rows updated since
 * then are looked at, through the staging index where it could be created ({@link STAGE_INDEX}); without it
 * every selected row is.
 */
export async function changedRows(
  pool: Pool,
  taskId: number,
  sel: Selection,
  since: number | undefined,
  limit: number,
): Promise<DeltaRow[]> {
  const q = changedRowsQuery(taskId, sel, since, limit);
  return (await pool.query<DeltaRow>(q.sql, q.params)).rows;
}

/** The statement of {@link changedRows}; exported for its plan test. */
export function changedRowsQuery(
  taskId: number,
  sel: Selection,
  since: number | undefined,
  limit: number,
): { sql: string; params: unknown[] } {
  const where = selectionWhere(sel, 2, 'm');
  const params: unknown[] = [taskId, ...where.params];
  let recent = '';
  if (since !== undefined) {
    params.push(since);
    recent = ` AND m.last_updated >= $${params.length}`;
  }
  params.push(limit);
  return {
    sql: `SELECT m.bucket, m."archiveId", m."userId", m."documentName", m.content_url, m.digest,
            m.size::float8 AS size, m.is_compressed, j.task_id IS NOT NULL AS staged
     FROM archive_metadata m LEFT JOIN objectstorage_journal j ON j.task_id = $1 AND ${SAME_KEY}
     WHERE ${where.sql}${recent}
       AND (j.task_id IS NULL OR (j.phase = 'staged' AND (j.source_url <> m.content_url
         OR j.source_digest IS DISTINCT FROM m.digest OR j.source_size IS DISTINCT FROM m.size
         OR coalesce(j.source_compressed, false) <> coalesce(m.is_compressed, false))))
     ORDER BY ${M_KEY_ORDER} LIMIT $${params.length}`,
    params,
  };
}

/** A metadata row `m` and a journal row `j` of the same document. */
const SAME_KEY = `m.bucket = j.bucket AND m."archiveId" = j."archiveId" AND m."userId" = j."userId"
  AND m."documentName" = j."documentName"`;
/** archive_metadata `m` in primary-key order. */
const M_KEY_ORDER = PK_ORDER.split(', ')
  .map((c) => `m.${c}`)
  .join(', ');

const keyArrays = (rows: readonly DocKey[]): unknown[] => [
  rows.map((r) => r.bucket),
  rows.map((r) => r.archiveId),
  rows.map((r) => r.userId),
  rows.map((r) => r.documentName),
];

/**
 * Puts the rows a delta pass found on delta page `page` as `stale`: a staged copy that is out of date moves
 * there from `staged`, a row never staged gets a journal row with its current version and no copy yet. The
 * page's copy then picks them up ({@link deltaPageRows}).
 */
export async function markForCopy(
  client: PoolClient,
  taskId: number,
  page: number,
  rows: readonly DeltaRow[],
): Promise<void> {
  const changed = rows.filter((r) => r.staged);
  if (changed.length > 0) {
    await queryByKeyProbes(
      client,
      `UPDATE objectstorage_journal j SET phase = 'stale', page = $6, updated_at = now()
       FROM unnest(${TASK_PER_KEY}, $2::varchar[], $3::varchar[], $4::varchar[], $5::varchar[])
         AS r(task_id, bucket, "archiveId", "userId", "documentName")
       WHERE j.task_id = r.task_id AND j.bucket = r.bucket AND j."archiveId" = r."archiveId"
         AND j."userId" = r."userId" AND j."documentName" = r."documentName"
         AND array_position($7::varchar[], j.phase) > 0`,
      [taskId, ...keyArrays(changed), page, MOVES_TO.stale],
    );
  }
  const fresh = rows.filter((r) => !r.staged);
  if (fresh.length > 0) {
    await client.query(
      `INSERT INTO objectstorage_journal (task_id, page, phase, bucket, "archiveId", "userId", "documentName",
         source_url, source_digest, source_size, source_compressed)
       SELECT $1::integer, $2::integer, 'stale', * FROM unnest($3::varchar[], $4::varchar[], $5::varchar[],
         $6::varchar[], $7::varchar[], $8::varchar[], $9::bigint[], $10::boolean[])
       ON CONFLICT DO NOTHING`,
      [
        taskId,
        page,
        ...keyArrays(fresh),
        fresh.map((r) => r.content_url),
        fresh.map((r) => r.digest),
        fresh.map((r) => r.size),
        fresh.map((r) => r.is_compressed),
      ],
    );
  }
}

/** The metadata rows of delta page `page`: its journal rows waiting for a copy, as selected rows hold them now. */
export async function deltaPageRows(
  pool: Pool,
  taskId: number,
  sel: Selection,
  page: number,
): Promise<ArchiveMetadataRow[]> {
  const where = selectionWhere(sel, 3, 'm');
  const res = await pool.query<ArchiveMetadataRow>(
    `SELECT ${metadataColumns('m')} FROM objectstorage_journal j JOIN archive_metadata m ON ${SAME_KEY}
     WHERE j.task_id = $1 AND j.page = $2 AND j.phase = 'stale' AND ${where.sql}
     ORDER BY ${M_KEY_ORDER}`,
    [taskId, page, ...where.params],
  );
  return res.rows;
}

/** Journal phases of a staged migration's documents that have (or wait for) a copy no row points at. */
export const NOT_SWITCHED = ['copied', 'stale', 'staged'] as const;

/** Journal rows of documents whose metadata row is gone (Anchore deleted them), `limit` at most. */
export async function goneDocuments(pool: Pool, taskId: number, limit: number): Promise<JournalRow[]> {
  const res = await pool.query<JournalRow>(
    `SELECT ${journalColumns('j')} FROM objectstorage_journal j
     WHERE j.task_id = $1 AND j.phase = ANY($2::varchar[])
       AND NOT EXISTS (SELECT 1 FROM archive_metadata m WHERE ${SAME_KEY})
     ORDER BY j.bucket, j."archiveId", j."userId", j."documentName" LIMIT $3`,
    [taskId, NOT_SWITCHED, limit],
  );
  return res.rows;
}

/**
 * Removes the journal rows of documents that are gone, once their copies are (a key Anchore writes again later
 * is then a new document to a later pass). Only rows still in a phase without a switch are removed.
 */
export async function forgetDocuments(
  client: PoolClient,
  taskId: number,
  rows: readonly DocKey[],
): Promise<number> {
  if (rows.length === 0) return 0;
  const res = await queryByKeyProbes(
    client,
    `DELETE FROM objectstorage_journal j
     USING unnest(${TASK_PER_KEY}, $2::varchar[], $3::varchar[], $4::varchar[], $5::varchar[])
       AS r(task_id, bucket, "archiveId", "userId", "documentName")
     WHERE j.task_id = r.task_id AND j.bucket = r.bucket AND j."archiveId" = r."archiveId"
       AND j."userId" = r."userId" AND j."documentName" = r."documentName" AND j.phase = ANY($6::varchar[])`,
    [taskId, ...keyArrays(rows), NOT_SWITCHED],
  );
  return res.rowCount ?? 0;
}

/** Documents and source bytes of a task's journal rows in `phase`. */
export async function phaseTotals(
  pool: Pool,
  taskId: number,
  phase: string,
): Promise<{ documents: number; bytes: number }> {
  const res = await pool.query<{ documents: number; bytes: number }>(
    `SELECT count(*)::float8 AS documents, coalesce(sum(source_size), 0)::float8 AS bytes
     FROM objectstorage_journal WHERE task_id = $1 AND phase = $2`,
    [taskId, phase],
  );
  return res.rows[0] ?? { documents: 0, bytes: 0 };
}

/**
 * After an abort: removes a staged migration's journal rows whose copies are gone (rolled back) or never
 * existed; returns how many rows are left, each naming a copy the destination refused to remove.
 */
export async function forgetAbortedRows(pool: Pool, taskId: number): Promise<number> {
  await pool.query(
    `DELETE FROM objectstorage_journal WHERE task_id = $1 AND (phase = 'rolled_back' OR dest_url IS NULL)`,
    [taskId],
  );
  const res = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM objectstorage_journal WHERE task_id = $1`,
    [taskId],
  );
  return res.rows[0]?.n ?? 0;
}
