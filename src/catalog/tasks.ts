/**
 * Anchore's migration task records: `tasks` joined with `archive_migration_tasks` (type `archivemigrationtask`),
 * written as anchore-manager writes them so `anchore-manager objectstorage list-migrations` shows ours too.
 */
import type { Pool, PoolClient } from 'pg';

/** PG enum `task_states`. */
export type TaskState = 'initializing' | 'pending' | 'running' | 'complete' | 'failed';

/** A migration task as both tables describe it. Timestamps are naive UTC. */
export interface MigrationTaskRow {
  readonly id: number;
  readonly state: TaskState | null;
  readonly last_state: TaskState | null;
  readonly created_at: Date | null;
  readonly started_at: Date | null;
  readonly ended_at: Date | null;
  readonly last_updated: Date | null;
  readonly executor_id: string | null;
  readonly type: string | null;
  readonly migrate_from_driver: string | null;
  readonly migrate_to_driver: string | null;
  readonly archive_documents_to_migrate: number | null;
  readonly archive_documents_migrated: number | null;
  readonly online_migration: boolean | null;
}

const NOW_UTC = `(now() AT TIME ZONE 'utc')`;

/** Inserts a running migration task (both tables) inside the caller's transaction and returns its id. */
export async function insertMigrationTask(
  client: PoolClient,
  t: { fromDriver: string; toDriver: string; documentsToMigrate: number; executorId: string },
): Promise<number> {
  const res = await client.query<{ id: number }>(
    `INSERT INTO tasks (state, last_state, created_at, started_at, last_updated, executor_id, type)
     VALUES ('running', NULL, ${NOW_UTC}, ${NOW_UTC}, ${NOW_UTC}, $1, 'archivemigrationtask') RETURNING id`,
    [t.executorId],
  );
  const id = res.rows[0]?.id as number;
  await client.query(
    `INSERT INTO archive_migration_tasks (id, migrate_from_driver, migrate_to_driver, archive_documents_to_migrate,
                                          archive_documents_migrated, online_migration)
     VALUES ($1, $2, $3, $4, 0, NULL)`,
    [id, t.fromDriver, t.toDriver, t.documentsToMigrate],
  );
  return id;
}

/** Updates the live count, and the state when `state` is given (ended_at is set for terminal states). */
export async function updateMigrationTask(
  pool: Pool,
  id: number,
  u: { documentsMigrated: number; state?: TaskState; documentsToMigrate?: number },
): Promise<void> {
  await pool.query(
    `UPDATE archive_migration_tasks SET archive_documents_migrated = $2,
       archive_documents_to_migrate = COALESCE($3, archive_documents_to_migrate) WHERE id = $1`,
    [id, u.documentsMigrated, u.documentsToMigrate ?? null],
  );
  if (u.state) {
    const ended = u.state === 'complete' || u.state === 'failed' ? `, ended_at = ${NOW_UTC}` : '';
    await pool.query(
      `UPDATE tasks SET last_state = state, state = $2, last_updated = ${NOW_UTC}${ended} WHERE id = $1`,
      [id, u.state],
    );
  } else {
    await pool.query(`UPDATE tasks SET last_updated = ${NOW_UTC} WHERE id = $1`, [id]);
  }
}

/** Anchore's task row of a migration that will not finish: failed, if it still says running. */
export async function failRunningTask(db: Pool | PoolClient, id: number): Promise<void> {
  await db.query(
    `UPDATE tasks SET last_state = state, state = 'failed', ended_at = ${NOW_UTC}, last_updated = ${NOW_UTC}
     WHERE id = $1 AND state = 'running'`,
    [id],
  );
}

/** Every migration task, oldest first (anchore-manager's list-migrations order). */
export async function listMigrationTasks(pool: Pool): Promise<MigrationTaskRow[]> {
  const res = await pool.query<MigrationTaskRow>(
    `SELECT t.id, t.state, t.last_state, t.created_at, t.started_at, t.ended_at, t.last_updated, t.executor_id, t.type,
            m.migrate_from_driver, m.migrate_to_driver, m.archive_documents_to_migrate, m.archive_documents_migrated,
            m.online_migration
     FROM tasks t JOIN archive_migration_tasks m ON m.id = t.id ORDER BY t.id`,
  );
  return res.rows;
}
