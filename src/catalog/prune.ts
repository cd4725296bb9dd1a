/**
 * Journal retention: the journal lives in Anchore's catalog database and grows with every migration. `prune`
 * removes the rows no command needs any more and keeps what `rollback` and `status --failures` still read
 * (docs/journal.md, "Retention").
 */
import type { Pool } from 'pg';
import { phaseCounts } from './journal';
import { ensureJournal } from './our-tables';
import { laterMigrationsThatSwitched, listMigrationRecords, type MigrationRecord } from './migrations';

/** Rows deleted per statement, so a prune of millions of rows never holds long locks. */
const BATCH = 10_000;

/** Phases of rows nothing reads once a migration cannot be rolled back (failed and unswitched rows stay). */
const PRUNABLE_PHASES = ['switched', 'deleted', 'kept', 'rolled_back'];

export interface PruneDecision {
  readonly taskId: number;
  /** Rows removed (or that would be, with dryRun). */
  readonly removed: number;
  /** Rows kept, and why, when any are. */
  readonly kept: number;
  readonly why?: string;
}

/** Journal size for list-migrations: rows per migration and the table's size on disk with its indexes. */
export async function journalSize(pool: Pool): Promise<{ rows: Map<number, number>; bytes: number }> {
  await ensureJournal(pool);
  const rows = await pool.query<{ task_id: number; n: string }>(
    `SELECT task_id, sum(n) AS n FROM (
       SELECT task_id, count(*) AS n FROM objectstorage_journal GROUP BY task_id
       UNION ALL SELECT task_id, count(*) FROM objectstorage_moved GROUP BY task_id) t GROUP BY task_id`,
  );
  const size = await pool.query<{ bytes: string }>(
    `SELECT pg_total_relation_size('objectstorage_journal') + pg_total_relation_size('objectstorage_moved') AS bytes`,
  );
  return {
    rows: new Map(rows.rows.map((r) => [r.task_id, Number(r.n)])),
    bytes: Number(size.rows[0]?.bytes ?? 0),
  };
}

/**
 * Prunes the journal of migrations that ended more than `olderThanMs` ago (only `taskIds` when given). A
 * migration `rollback` could still undo keeps every row; others lose their switched, deleted and rolled-back
 * rows. Failed rows (status --failures) and copies never switched (what audit finds at the destination) stay.
 */
export async function pruneJournal(
  pool: Pool,
  o: { olderThanMs: number; taskIds: readonly number[]; dryRun: boolean },
): Promise<PruneDecision[]> {
  const all = await listMigrationRecords(pool);
  const records = all.filter((r) => o.taskIds.length === 0 || o.taskIds.includes(r.task_id));
  const reversing = new Set(
    all
      .filter((r) => r.state === 'running' && r.input.selection.movedBy !== undefined)
      .map((r) => r.input.selection.movedBy),
  );
  const decisions: PruneDecision[] = [];
  for (const r of records) {
    const counts = await rowsByPhase(pool, r.task_id);
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    const keepAll = reversing.has(r.task_id)
      ? `a running reverse of it reads them`
      : await whyKeepAll(pool, r, counts, o.olderThanMs);
    if (keepAll) {
      decisions.push({ taskId: r.task_id, removed: 0, kept: total, why: keepAll });
      continue;
    }
    const prunable = PRUNABLE_PHASES.reduce((n, p) => n + (counts.get(p) ?? 0), 0);
    if (!o.dryRun && prunable > 0) {
      // Marked first: a prune cut off halfway must not leave reverse moving back a part of what was moved.
      await pool.query(
        `UPDATE objectstorage_migrations SET pruned_at = coalesce(pruned_at, now()) WHERE task_id = $1`,
        [r.task_id],
      );
      await deleteInBatches(pool, r.task_id);
    }
    const kept = total - prunable;
    decisions.push({
      taskId: r.task_id,
      removed: prunable,
      kept,
      ...(kept > 0
        ? { why: 'failed documents and copies never switched stay (status --failures, audit)' }
        : {}),
    });
  }
  return decisions;
}

async function rowsByPhase(pool: Pool, taskId: number): Promise<Map<string, number>> {
  const counts = await phaseCounts(pool, taskId);
  return new Map(Object.entries(counts).filter(([, n]) => n > 0));
}

/** Why none of the migration's rows may go, if so. */
async function whyKeepAll(
  pool: Pool,
  r: MigrationRecord,
  counts: Map<string, number>,
  olderThanMs: number,
): Promise<string | undefined> {
  if (r.state === 'running' || r.state === 'rolling_back' || !r.ended_at) return 'it is running';
  if (Date.now() - r.ended_at.getTime() < olderThanMs) return `it ended less than --older-than ago`;
  const rollbackable =
    r.state !== 'rolled_back' &&
    (counts.get('deleted') ?? 0) === 0 &&
    (counts.get('switched') ?? 0) + (counts.get('kept') ?? 0) > 0 &&
    (await laterMigrationsThatSwitched(pool, r.task_id)).length === 0;
  return rollbackable ? `objectstorage rollback ${r.task_id} still needs them` : undefined;
}

async function deleteInBatches(pool: Pool, taskId: number): Promise<void> {
  for (;;) {
    const res = await pool.query(
      `DELETE FROM objectstorage_journal WHERE ctid IN (
         SELECT ctid FROM objectstorage_journal WHERE task_id = $1 AND phase = ANY($2) LIMIT $3)`,
      [taskId, PRUNABLE_PHASES, BATCH],
    );
    if ((res.rowCount ?? 0) < BATCH) break;
  }
  for (;;) {
    const res = await pool.query(
      `DELETE FROM objectstorage_moved WHERE task_id = $1 AND key_hash IN (
         SELECT key_hash FROM objectstorage_moved WHERE task_id = $1 LIMIT $2)`,
      [taskId, BATCH],
    );
    if ((res.rowCount ?? 0) < BATCH) break;
  }
  await pool.query(`DELETE FROM objectstorage_page_leases WHERE task_id = $1`, [taskId]);
}
