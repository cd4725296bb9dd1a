/**
 * Planner statistics for a new journal. Without any, PostgreSQL takes a task's rows for a handful and probes
 * each key of a page through an index led by task_id alone, reading every row of the task once per key: in a
 * fresh catalog the first pages' updates took 0.27–0.45 s each instead of ~15 ms, until autovacuum analyzed the
 * table (bench/README.md#measurements-behind-the-code). Once the journal has statistics, the per-key estimate
 * comes from the number of tasks in it and the primary key wins, for later tasks too.
 */
import type { Pool, PoolClient } from 'pg';

/** Connections and pools that found the journal with statistics, or that may not analyze it. */
const settled = new WeakSet<Pool | PoolClient>();

/**
 * Whether the connection's role acts as the owner of pg_class row `c` (it owns it or is a member of the owning
 * role): PostgreSQL lets only the owner ANALYZE or VACUUM a table and skips it with a warning for anyone else.
 */
export const OWNS_TABLE_SQL = "pg_has_role(c.relowner, 'USAGE')";

const STATE_SQL = `
  SELECT EXISTS (
           SELECT 1 FROM pg_stats s
           WHERE s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = 'task_id'
         ) AS known,
         ${OWNS_TABLE_SQL} AS owns
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.oid = 'objectstorage_journal'::regclass`;

/**
 * Analyzes the journal when it has no statistics yet, before a page of keys is probed in it; checked once per
 * connection. An empty journal stays without statistics and is asked again next time. A role that does not own
 * the journal cannot analyze it: its probes stay correct, only slower until autovacuum analyzes the table.
 */
export async function ensureJournalStatistics(db: Pool | PoolClient): Promise<void> {
  if (settled.has(db)) return;
  const state = (await db.query<{ known: boolean; owns: boolean }>(STATE_SQL)).rows[0];
  if (state?.known === true || state?.owns !== true) {
    settled.add(db);
    return;
  }
  await db.query('ANALYZE objectstorage_journal');
}
