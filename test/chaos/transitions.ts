/**
 * The journal's own history, kept apart from the code under test: a trigger appends every phase change of
 * objectstorage_journal to a table of its own, so the end-state check can prove the journal never moved
 * backwards from what happened, not from timestamps the migrator writes itself. Allowed moves are the state
 * machine of src/catalog/journal.ts (docs/journal.md).
 */
import type { Pool } from 'pg';
import { ensureJournal, MOVES_TO, type JournalPhase } from '../../src/catalog';
import type { Violations } from './end-state';

/** Creates the journal (if the migration has not yet) and the trigger that records its phase changes. */
export async function recordTransitions(pool: Pool): Promise<void> {
  await ensureJournal(pool);
  await pool.query(`
    CREATE TABLE IF NOT EXISTS chaos_journal_transitions (
      id BIGSERIAL PRIMARY KEY, task_id INTEGER NOT NULL, doc VARCHAR NOT NULL,
      from_phase VARCHAR, to_phase VARCHAR NOT NULL, at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp());
    CREATE OR REPLACE FUNCTION chaos_record_transition() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'INSERT' OR OLD.phase IS DISTINCT FROM NEW.phase THEN
        INSERT INTO chaos_journal_transitions (task_id, doc, from_phase, to_phase)
        VALUES (NEW.task_id, NEW."userId" || '/' || NEW.bucket || '/' || NEW."archiveId",
                CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE OLD.phase END, NEW.phase);
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql;
    DROP TRIGGER IF EXISTS chaos_record_transition ON objectstorage_journal;
    CREATE TRIGGER chaos_record_transition AFTER INSERT OR UPDATE ON objectstorage_journal
      FOR EACH ROW EXECUTE FUNCTION chaos_record_transition();`);
}

/** Every recorded phase change of `taskId` that the state machine does not allow, and how many there were. */
export async function backwardTransitions(pool: Pool, taskId: number): Promise<Violations> {
  const { rows } = await pool.query<{ from_phase: string | null; to_phase: string; n: number; doc: string }>(
    `SELECT from_phase, to_phase, count(*)::int AS n, min(doc) AS doc FROM chaos_journal_transitions
     WHERE task_id = $1 GROUP BY from_phase, to_phase`,
    [taskId],
  );
  const allowed = (from: string | null, to: string): boolean =>
    from === null
      ? to === 'copied' || to === 'failed'
      : (MOVES_TO[to as JournalPhase] ?? []).includes(from as JournalPhase);
  const bad = rows.filter((r) => !allowed(r.from_phase, r.to_phase));
  const total = rows.reduce((n, r) => n + r.n, 0);
  return {
    kind: `journal never moved backwards (${total} recorded phase changes, by trigger)`,
    count: bad.reduce((n, r) => n + r.n, 0),
    examples: bad.map((r) => `${r.from_phase ?? '(new)'} → ${r.to_phase}: ${r.n}× (e.g. ${r.doc})`),
  };
}
