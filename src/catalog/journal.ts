/**
 * The journal: our own table in the catalog, one row per document per migration. It is the per-document
 * checkpoint (activities skip what it says is done), the failure report, and the basis of rollback. Per-phase
 * timestamps let anyone check that no source was deleted before its copy was verified and switched.
 */
import type { Pool, PoolClient } from 'pg';
import { queryByKeyProbes, TASK_PER_KEY } from '../sql/key-probes';
import type { DocKey, MovedBytes } from '../shared/migration';
import type { MetadataSwitch, StoredVersion } from './pages';

/** Idempotent DDL of our tables; never touches Anchore's. */
export const JOURNAL_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS objectstorage_journal (
  task_id INTEGER NOT NULL,
  bucket VARCHAR NOT NULL,
  "archiveId" VARCHAR NOT NULL,
  "userId" VARCHAR NOT NULL,
  "documentName" VARCHAR NOT NULL,
  page INTEGER NOT NULL,
  phase VARCHAR NOT NULL,
  source_url VARCHAR NOT NULL,
  source_digest VARCHAR,
  source_size BIGINT,
  source_compressed BOOLEAN,
  dest_url VARCHAR,
  dest_digest VARCHAR,
  dest_size BIGINT,
  dest_compressed BOOLEAN,
  error_code VARCHAR,
  error_message VARCHAR,
  attempts INTEGER NOT NULL DEFAULT 1,
  copied_at TIMESTAMPTZ,
  verified_at TIMESTAMPTZ,
  switched_at TIMESTAMPTZ,
  deleted_at TIMESTAMPTZ,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (task_id, bucket, "archiveId", "userId", "documentName")
);
CREATE INDEX IF NOT EXISTS objectstorage_journal_page ON objectstorage_journal (task_id, page, phase);
CREATE INDEX IF NOT EXISTS objectstorage_journal_phase ON objectstorage_journal (task_id, phase);

CREATE TABLE IF NOT EXISTS objectstorage_migrations (
  task_id INTEGER PRIMARY KEY,
  workflow_id VARCHAR NOT NULL,
  state VARCHAR NOT NULL,
  catalog_fingerprint VARCHAR NOT NULL,
  input JSONB NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  ended_at TIMESTAMPTZ
);
ALTER TABLE objectstorage_migrations ADD COLUMN IF NOT EXISTS namespace VARCHAR;
ALTER TABLE objectstorage_migrations ADD COLUMN IF NOT EXISTS stop_reason VARCHAR;
ALTER TABLE objectstorage_migrations ADD COLUMN IF NOT EXISTS pruned_at TIMESTAMPTZ;
ALTER TABLE objectstorage_journal ADD COLUMN IF NOT EXISTS dest_checksum VARCHAR;
ALTER TABLE objectstorage_journal ADD COLUMN IF NOT EXISTS source_last_updated BIGINT;
`;

/**
 * Journal phases, in the order a document goes through them. `stale`: Anchore rewrote the source after it was
 * copied (before its switch, or after it and before the source delete); the document is copied again.
 * `staged`: a `stage` migration verified the copy and waits for the cutover to switch it (docs/adr/0006).
 */
export type JournalPhase =
  'copied' | 'stale' | 'verified' | 'staged' | 'switched' | 'deleted' | 'kept' | 'failed' | 'rolled_back';

/**
 * The journal's state machine: the phases a row may be in when it moves to each phase. Every update of a phase
 * is constrained to these predecessors, so an attempt that runs late can never move a row backwards (a late
 * copy cannot undo a switch, a late verify cannot fail what another attempt switched). docs/journal.md draws it.
 */
export const MOVES_TO: Readonly<Record<JournalPhase, readonly JournalPhase[]>> = {
  copied: ['copied', 'stale'],
  // A staged copy goes stale when a delta pass or the cutover finds its row changed (or new: a first copy).
  stale: ['copied', 'verified', 'staged', 'switched'],
  verified: ['copied'],
  staged: ['copied'],
  switched: ['copied', 'verified', 'staged'],
  deleted: ['switched'],
  // Migrated, but the source store refused its delete (Object Lock, a policy): the source is kept and reported.
  kept: ['switched'],
  failed: ['copied', 'stale', 'verified', 'staged', 'switched', 'kept'],
  rolled_back: ['copied', 'stale', 'verified', 'staged', 'switched', 'kept'],
};

/** A journal row as stored. */
export interface JournalRow {
  readonly task_id: number;
  readonly bucket: string;
  readonly archiveId: string;
  readonly userId: string;
  readonly documentName: string;
  readonly page: number;
  readonly phase: JournalPhase;
  readonly source_url: string;
  readonly source_digest: string | null;
  readonly source_size: number | null;
  readonly source_compressed: boolean | null;
  readonly dest_url: string | null;
  readonly dest_digest: string | null;
  readonly dest_size: number | null;
  readonly dest_compressed: boolean | null;
  /** The checksum the destination keeps for the copy (`sha256:<base64>`), where it keeps one. */
  readonly dest_checksum: string | null;
  readonly error_code: string | null;
  readonly error_message: string | null;
  readonly attempts: number;
}

/** The source version the journal recorded for a document: what its metadata row held when it was copied. */
export function sourceVersion(r: JournalRow): StoredVersion {
  return {
    url: r.source_url,
    digest: r.source_digest,
    size: r.source_size,
    isCompressed: r.source_compressed,
  };
}

/** The version of a document's copy as the journal recorded it (only for rows that have a copy). */
export function destVersion(r: JournalRow): StoredVersion {
  return {
    url: r.dest_url as string,
    digest: r.dest_digest,
    size: r.dest_size,
    isCompressed: r.dest_compressed === true,
  };
}

/** The metadata switch that points a journaled document at its verified copy. */
export function toDestination(r: JournalRow): MetadataSwitch {
  return {
    bucket: r.bucket,
    archiveId: r.archiveId,
    userId: r.userId,
    documentName: r.documentName,
    from: sourceVersion(r),
    to: destVersion(r),
  };
}

/** The bytes of documents moved, from what the journal recorded of both ends (see MovedBytes). */
export function movedBytes(rows: readonly JournalRow[]): MovedBytes {
  let source = 0;
  let dest = 0;
  let logical = 0;
  let logicalUnknown = 0;
  for (const r of rows) {
    source += r.source_size ?? 0;
    dest += r.dest_size ?? 0;
    if (r.source_compressed !== true && r.source_size !== null) logical += r.source_size;
    else if (r.dest_compressed !== true && r.dest_size !== null) logical += r.dest_size;
    else logicalUnknown++;
  }
  return { source, dest, logical, logicalUnknown };
}

/** What copy writes for one document (copied or failed). */
export interface JournalEntry {
  readonly bucket: string;
  readonly archiveId: string;
  readonly userId: string;
  readonly documentName: string;
  readonly phase: 'copied' | 'failed';
  readonly sourceUrl: string;
  readonly sourceDigest: string | null;
  readonly sourceSize: number | null;
  readonly sourceCompressed: boolean | null;
  /** The row's last_updated (epoch seconds) when it was read for the copy: what a delta pass compares after. */
  readonly sourceLastUpdated?: number | null;
  readonly destUrl?: string;
  readonly destDigest?: string;
  readonly destSize?: number;
  readonly destCompressed?: boolean;
  readonly destChecksum?: string;
  readonly errorCode?: string;
  readonly errorMessage?: string;
}

const ROW_COLUMNS = `task_id, bucket, "archiveId", "userId", "documentName", page, phase, source_url, source_digest,
  source_size::float8 AS source_size, source_compressed, dest_url, dest_digest, dest_size::float8 AS dest_size,
  dest_compressed, dest_checksum, error_code, error_message, attempts`;

const col = <T>(entries: readonly JournalEntry[], f: (e: JournalEntry) => T): T[] => entries.map(f);

/** A page's keys of task `$1` in arrays `$2`–`$5`, as rows `r` to join to the journal `j` by primary key. */
const KEYS_OF_TASK = `unnest(${TASK_PER_KEY}, $2::varchar[], $3::varchar[], $4::varchar[], $5::varchar[])
       AS r(task_id, bucket, "archiveId", "userId", "documentName")`;
const JOIN_ON_KEYS = `j.task_id = r.task_id AND j.bucket = r.bucket AND j."archiveId" = r."archiveId"
       AND j."userId" = r."userId" AND j."documentName" = r."documentName"`;

/**
 * Records copy outcomes for a page in one statement; a retried copy overwrites and counts the attempt. A row
 * that has moved on (switched, deleted, failed) is left as it is: only `copied` and `stale` rows are rewritten,
 * and a `stale` one loses the stamps of the round that found it stale (its next round stamps them again).
 */
export async function recordCopies(
  db: Pool | PoolClient,
  taskId: number,
  page: number,
  entries: readonly JournalEntry[],
): Promise<void> {
  if (entries.length === 0) return;
  await db.query(
    `INSERT INTO objectstorage_journal AS j (task_id, page, bucket, "archiveId", "userId", "documentName", phase,
       source_url, source_digest, source_size, source_compressed, dest_url, dest_digest, dest_size, dest_compressed,
       error_code, error_message, dest_checksum, source_last_updated, copied_at)
     SELECT $1::integer, $2::integer, *, CASE WHEN r.phase = 'copied' THEN now() END FROM unnest(
       $3::varchar[], $4::varchar[], $5::varchar[], $6::varchar[], $7::varchar[], $8::varchar[], $9::varchar[],
       $10::bigint[], $11::boolean[], $12::varchar[], $13::varchar[], $14::bigint[], $15::boolean[], $16::varchar[],
       $17::varchar[], $20::varchar[], $21::bigint[]) AS r(bucket, "archiveId", "userId", "documentName", phase,
       source_url, source_digest, source_size, source_compressed, dest_url, dest_digest, dest_size, dest_compressed,
       error_code, error_message, dest_checksum, source_last_updated)
     ON CONFLICT (task_id, bucket, "archiveId", "userId", "documentName") DO UPDATE SET
       page = EXCLUDED.page, phase = EXCLUDED.phase, source_url = EXCLUDED.source_url,
       source_digest = EXCLUDED.source_digest, source_size = EXCLUDED.source_size,
       source_compressed = EXCLUDED.source_compressed, dest_url = EXCLUDED.dest_url, dest_digest = EXCLUDED.dest_digest,
       dest_size = EXCLUDED.dest_size, dest_compressed = EXCLUDED.dest_compressed, error_code = EXCLUDED.error_code,
       error_message = EXCLUDED.error_message, dest_checksum = EXCLUDED.dest_checksum,
       source_last_updated = EXCLUDED.source_last_updated, copied_at = EXCLUDED.copied_at, attempts = j.attempts + 1,
       verified_at = NULL, switched_at = NULL, deleted_at = NULL, updated_at = now()
     WHERE j.phase = ANY(CASE EXCLUDED.phase WHEN 'copied' THEN $18::varchar[] ELSE $19::varchar[] END)`,
    [
      taskId,
      page,
      col(entries, (e) => e.bucket),
      col(entries, (e) => e.archiveId),
      col(entries, (e) => e.userId),
      col(entries, (e) => e.documentName),
      col(entries, (e) => e.phase),
      col(entries, (e) => e.sourceUrl),
      col(entries, (e) => e.sourceDigest),
      col(entries, (e) => e.sourceSize),
      col(entries, (e) => e.sourceCompressed),
      col(entries, (e) => e.destUrl ?? null),
      col(entries, (e) => e.destDigest ?? null),
      col(entries, (e) => e.destSize ?? null),
      col(entries, (e) => e.destCompressed ?? null),
      col(entries, (e) => e.errorCode ?? null),
      col(entries, (e) => e.errorMessage ?? null),
      MOVES_TO.copied,
      MOVES_TO.failed,
      col(entries, (e) => e.destChecksum ?? null),
      col(entries, (e) => e.sourceLastUpdated ?? null),
    ],
  );
}

/** Journal rows of pages `from` to `to` (exclusive) in one phase, by the (task, page, phase) index. */
export async function journalRowsOfPages(
  db: Pool | PoolClient,
  taskId: number,
  from: number,
  to: number,
  phase: JournalPhase,
): Promise<JournalRow[]> {
  const res = await db.query<JournalRow>(
    `SELECT ${ROW_COLUMNS} FROM objectstorage_journal WHERE task_id = $1 AND page >= $2 AND page < $3 AND phase = $4`,
    [taskId, from, to, phase],
  );
  return res.rows;
}

/** Journal rows of a page in one phase. */
export async function journalRowsOfPage(
  db: Pool | PoolClient,
  taskId: number,
  page: number,
  phase: JournalPhase,
): Promise<JournalRow[]> {
  const res = await db.query<JournalRow>(
    `SELECT ${ROW_COLUMNS} FROM objectstorage_journal WHERE task_id = $1 AND page = $2 AND phase = $3
     ORDER BY bucket, "archiveId", "userId", "documentName"`,
    [taskId, page, phase],
  );
  return res.rows;
}

/**
 * Moves rows to `phase`, optionally with an error, in one statement: only rows in one of its predecessors
 * ({@link MOVES_TO}) move, so the returned count is of rows this call moved and a late attempt moves none. A
 * client must be in a transaction ({@link queryByKeyProbes}).
 */
export async function setPhase(
  db: Pool | PoolClient,
  taskId: number,
  rows: readonly DocKey[],
  phase: JournalPhase,
  error?: { code: string; message: string },
): Promise<number> {
  if (rows.length === 0) return 0;
  // Switching happens only after verifying, in the same transaction: one update stamps both.
  const stamp =
    phase === 'switched'
      ? ', verified_at = COALESCE(verified_at, now()), switched_at = now()'
      : phase === 'verified' || phase === 'deleted'
        ? `, ${phase}_at = now()`
        : phase === 'staged'
          ? ', verified_at = now()'
          : '';
  // The predecessors are tested by array_position, which no index serves: `phase = ANY(…)` made PostgreSQL scan
  // the (task_id, phase) index instead of probing the primary key.
  const res = await queryByKeyProbes(
    db,
    `UPDATE objectstorage_journal j SET phase = $6, error_code = $7, error_message = $8, updated_at = now()${stamp}
     FROM ${KEYS_OF_TASK} WHERE ${JOIN_ON_KEYS} AND j.phase <> $6 AND array_position($9::varchar[], j.phase) > 0`,
    [
      taskId,
      rows.map((r) => r.bucket),
      rows.map((r) => r.archiveId),
      rows.map((r) => r.userId),
      rows.map((r) => r.documentName),
      phase,
      error?.code ?? null,
      error?.message ?? null,
      MOVES_TO[phase],
    ],
  );
  return res.rowCount ?? 0;
}

/** Count of documents per phase for a task. */
export async function phaseCounts(pool: Pool, taskId: number): Promise<Record<JournalPhase, number>> {
  // Rows of deleted sources of an ended migration are counted where compaction moved them (compaction.ts).
  const res = await pool.query<{ phase: JournalPhase; n: number }>(
    `SELECT phase, count(*)::int AS n FROM objectstorage_journal WHERE task_id = $1 GROUP BY phase
     UNION ALL SELECT 'deleted', count(*)::int FROM objectstorage_moved WHERE task_id = $1`,
    [taskId],
  );
  const out: Record<JournalPhase, number> = {
    copied: 0,
    stale: 0,
    verified: 0,
    staged: 0,
    switched: 0,
    deleted: 0,
    kept: 0,
    failed: 0,
    rolled_back: 0,
  };
  for (const r of res.rows) out[r.phase] += r.n;
  return out;
}

/** Journal rows of a task in any of `phases`, in key order, `limit` at a time after `after` (keyset). */
export async function journalRowsInPhases(
  pool: Pool,
  taskId: number,
  phases: readonly JournalPhase[],
  limit: number,
): Promise<JournalRow[]> {
  const res = await pool.query<JournalRow>(
    `SELECT ${ROW_COLUMNS} FROM objectstorage_journal WHERE task_id = $1 AND phase = ANY($2::varchar[])
     ORDER BY bucket, "archiveId", "userId", "documentName" LIMIT $3`,
    [taskId, phases, limit],
  );
  return res.rows;
}

/** Failed documents of a task, and migrated ones whose source was kept (its delete refused): `status --failures`. */
export async function failedDocuments(pool: Pool, taskId: number): Promise<JournalRow[]> {
  const res = await pool.query<JournalRow>(
    `SELECT ${ROW_COLUMNS} FROM objectstorage_journal WHERE task_id = $1 AND phase IN ('failed', 'kept')
     ORDER BY bucket, "archiveId", "userId", "documentName"`,
    [taskId],
  );
  return res.rows;
}

/**
 * Which of `keys` the journal already holds for a task (any phase but `stale`): those documents are not copied
 * again. A client must be in a transaction ({@link queryByKeyProbes}).
 */
export async function journaledKeys(
  db: Pool | PoolClient,
  taskId: number,
  keys: readonly { bucket: string; archiveId: string; userId: string; documentName: string }[],
): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const res = await queryByKeyProbes<{
    bucket: string;
    archiveId: string;
    userId: string;
    documentName: string;
  }>(
    db,
    `SELECT j.bucket, j."archiveId", j."userId", j."documentName" FROM objectstorage_journal j
     JOIN ${KEYS_OF_TASK} ON ${JOIN_ON_KEYS} WHERE j.phase <> 'stale'`,
    [
      taskId,
      keys.map((k) => k.bucket),
      keys.map((k) => k.archiveId),
      keys.map((k) => k.userId),
      keys.map((k) => k.documentName),
    ],
  );
  return new Set(res.rows.map(docKeyString));
}

/** A string form of a document key, for sets and maps. */
export function docKeyString(k: {
  bucket: string;
  archiveId: string;
  userId: string;
  documentName: string;
}): string {
  return JSON.stringify([k.bucket, k.archiveId, k.userId, k.documentName]);
}

/**
 * Adds `n` newly migrated documents to the live count of the Anchore task, in the caller's transaction with the
 * phase change that moved them (so a retry, which moves none, adds none). An increment instead of a count over
 * the journal keeps each page's cost flat at millions of documents; `finish` writes the exact count at the end.
 */
export async function addToTaskCount(db: Pool | PoolClient, taskId: number, n: number): Promise<void> {
  await db.query(
    `WITH u AS (UPDATE archive_migration_tasks
                SET archive_documents_migrated = COALESCE(archive_documents_migrated, 0) + $2 WHERE id = $1)
     UPDATE tasks SET last_updated = (now() AT TIME ZONE 'utc') WHERE id = $1`,
    [taskId, n],
  );
}
