/**
 * The journal's statements: one row per document per migration, the per-document checkpoint (activities skip
 * what it says is done), the failure report and the basis of rollback. Per-phase timestamps let anyone check
 * that no source was deleted before its copy was verified and switched. Its shape is in journal-schema.ts.
 */
import type { Pool, PoolClient } from 'pg';
import { queryByKeyProbes, TASK_PER_KEY } from '../sql/key-probes';
import type { DocKey } from '../shared/migration';
import { ensureJournalStatistics } from './journal-statistics';
import {
  MOVES_TO,
  journalColumns,
  type JournalPhase,
  type JournalRow,
  type JournalEntry,
} from './journal-schema';

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
      col(entries, (e) => e.source_url),
      col(entries, (e) => e.source_digest),
      col(entries, (e) => e.source_size),
      col(entries, (e) => e.source_compressed),
      col(entries, (e) => e.dest_url ?? null),
      col(entries, (e) => e.dest_digest ?? null),
      col(entries, (e) => e.dest_size ?? null),
      col(entries, (e) => e.dest_compressed ?? null),
      col(entries, (e) => e.error_code ?? null),
      col(entries, (e) => e.error_message ?? null),
      MOVES_TO.copied,
      MOVES_TO.failed,
      col(entries, (e) => e.dest_checksum ?? null),
      col(entries, (e) => e.source_last_updated ?? null),
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
    `SELECT ${journalColumns()} FROM objectstorage_journal WHERE task_id = $1 AND page >= $2 AND page < $3 AND phase = $4`,
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
    `SELECT ${journalColumns()} FROM objectstorage_journal WHERE task_id = $1 AND page = $2 AND phase = $3
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
  await ensureJournalStatistics(db);
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
    `SELECT ${journalColumns()} FROM objectstorage_journal WHERE task_id = $1 AND phase = ANY($2::varchar[])
     ORDER BY bucket, "archiveId", "userId", "documentName" LIMIT $3`,
    [taskId, phases, limit],
  );
  return res.rows;
}

/** Failed documents of a task, and migrated ones whose source was kept (its delete refused): `status --failures`. */
export async function failedDocuments(pool: Pool, taskId: number): Promise<JournalRow[]> {
  const res = await pool.query<JournalRow>(
    `SELECT ${journalColumns()} FROM objectstorage_journal WHERE task_id = $1 AND phase IN ('failed', 'kept')
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
  await ensureJournalStatistics(db);
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
