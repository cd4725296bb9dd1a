/**
 * Compaction of an ended migration's journal (docs/adr/0008). A document the migration moved and whose source it
 * deleted is final: nothing rolls it back, and afterwards only its key is read — reverse moves back exactly those
 * documents, rollback and prune ask whether a later migration moved them. Such rows go, a batch of pages per
 * statement, into objectstorage_moved (the key, a hash of it for the index, the attempts and phase times), and the
 * journal is then rewritten without them, so their space goes back to the database instead of waiting for the
 * next migration to reuse it.
 */
import type { Pool } from 'pg';
import { OWNS_TABLE_SQL } from './journal-statistics';

/**
 * One row per document a migration moved whose source it deleted, once the migration has ended: its key, how many
 * times it was copied, and its phases' times (the evidence that no source went before its copy was verified and
 * switched). `documentName` is NULL where it is `archiveId` + ".json", as Anchore names every document.
 */
export const MOVED_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS objectstorage_moved (
  task_id INTEGER NOT NULL,
  key_hash UUID NOT NULL,
  bucket VARCHAR NOT NULL,
  "archiveId" VARCHAR NOT NULL,
  "userId" VARCHAR NOT NULL,
  "documentName" VARCHAR,
  attempts INTEGER NOT NULL,
  copied_at TIMESTAMPTZ NOT NULL,
  verified_at TIMESTAMPTZ NOT NULL,
  switched_at TIMESTAMPTZ NOT NULL,
  deleted_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (task_id, key_hash)
);
`;

/** The hash of the document key of the row aliased `t` (text of the key's row: unambiguous whatever it holds). */
export const keyHashOf = (t: string): string =>
  `md5(row(${t}.bucket, ${t}."archiveId", ${t}."userId", ${t}."documentName")::text)::uuid`;

/** The documentName of a row of objectstorage_moved aliased `t`. */
export const movedDocumentName = (t: string): string =>
  `coalesce(${t}."documentName", ${t}."archiveId" || '.json')`;

/** Pages moved per statement: a bounded transaction however large the migration. */
const PAGES_PER_STATEMENT = 20;

/** How long the rewrite waits for its lock before it leaves the space for later (readers wait behind it). */
const REWRITE_LOCK_TIMEOUT = '5s';

export interface Compaction {
  /** Rows moved to objectstorage_moved by this call. */
  readonly moved: number;
  /** Whether the journal was rewritten without them; when not, `why`. */
  readonly spaceReturned: boolean;
  readonly why?: string;
}

/**
 * Moves an ended migration's rows of deleted sources to objectstorage_moved and rewrites the journal without
 * them. Only rows whose stamps are in order (copied, verified, switched, deleted) move: any other would be a
 * fault to look at, and stays where it is. Idempotent; `onBatch` is called after each statement.
 */
export async function compactMovedRows(
  pool: Pool,
  taskId: number,
  onBatch: (moved: number) => void = () => {},
): Promise<Compaction> {
  const last = await pool.query<{ page: number | null }>(
    `SELECT max(page) AS page FROM objectstorage_journal WHERE task_id = $1`,
    [taskId],
  );
  const lastPage = last.rows[0]?.page ?? -1;
  let moved = 0;
  for (let from = 0; from <= lastPage; from += PAGES_PER_STATEMENT) {
    const res = await pool.query(
      `WITH gone AS (
         DELETE FROM objectstorage_journal j
         WHERE j.task_id = $1 AND j.page >= $2 AND j.page < $3 AND j.phase = 'deleted'
           AND j.copied_at <= j.verified_at AND j.verified_at <= j.switched_at AND j.switched_at <= j.deleted_at
         RETURNING j.task_id, j.bucket, j."archiveId", j."userId", j."documentName", j.attempts, j.copied_at,
           j.verified_at, j.switched_at, j.deleted_at)
       INSERT INTO objectstorage_moved (task_id, key_hash, bucket, "archiveId", "userId", "documentName", attempts,
         copied_at, verified_at, switched_at, deleted_at)
       SELECT g.task_id, ${keyHashOf('g')}, g.bucket, g."archiveId", g."userId",
         nullif(g."documentName", g."archiveId" || '.json'), g.attempts, g.copied_at, g.verified_at, g.switched_at,
         g.deleted_at
       FROM gone g`,
      [taskId, from, from + PAGES_PER_STATEMENT],
    );
    moved += res.rowCount ?? 0;
    onBatch(moved);
  }
  if (moved === 0) return { moved, spaceReturned: false, why: 'nothing was moved' };
  return { moved, ...(await rewriteJournal(pool, moved)) };
}

/**
 * VACUUM FULL of the journal when the rows that stay are fewer than those moved, so the rewrite is short: it
 * locks every migration's journal while it copies what stays. When more stay (large --nodelete migrations, other
 * migrations' rows), a plain VACUUM makes the space reusable by later rows instead, without that lock. Only the
 * table's owner may run either (PostgreSQL skips it with a warning for anyone else); neither waits for a
 * long-held lock.
 */
async function rewriteJournal(pool: Pool, moved: number): Promise<{ spaceReturned: boolean; why?: string }> {
  const client = await pool.connect();
  try {
    const owner = await client.query<{ owns: boolean }>(
      `SELECT ${OWNS_TABLE_SQL} AS owns FROM pg_class c
       WHERE c.oid = 'objectstorage_journal'::regclass`,
    );
    if (owner.rows[0]?.owns !== true) {
      return {
        spaceReturned: false,
        why: 'the catalog role does not own objectstorage_journal; its owner may run VACUUM FULL objectstorage_journal',
      };
    }
    const left = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM objectstorage_journal');
    const staying = left.rows[0]?.n ?? 0;
    await client.query(`SET lock_timeout = '${REWRITE_LOCK_TIMEOUT}'`);
    try {
      if (staying >= moved) {
        await client.query('VACUUM objectstorage_journal');
        return {
          spaceReturned: false,
          why:
            `the journal keeps ${staying} rows, not fewer than the ${moved} moved: rewriting them would lock ` +
            "every migration's journal for as long; VACUUM made the space reusable by later rows instead",
        };
      }
      await client.query('VACUUM FULL objectstorage_journal');
    } catch (err) {
      if ((err as { code?: string }).code !== '55P03') throw err; // lock_not_available
      return {
        spaceReturned: false,
        why: 'the journal was in use; the next migration that ends tries again',
      };
    } finally {
      await client.query('RESET lock_timeout');
    }
    return { spaceReturned: true };
  } finally {
    client.release();
  }
}
