/**
 * anchore-manager's migration lock: `anchore-manager objectstorage migrate` holds the session advisory lock
 * (2, 1) (db_locks "archive_migration") for its whole run, and a second run waits on it. We take it shared in
 * every transaction that commits for a page, so anchore-manager cannot start while one of ours is in flight,
 * and a page whose commit finds it held exclusively stops before writing. anchore-storage.md §8.
 */
import type { Pool, PoolClient } from 'pg';
import { AnchoreMigrationRunningError } from '../errors';

/** The two-key advisory lock id of anchore-manager's migration (classid, objid). */
export const ANCHORE_MIGRATION_LOCK = [2, 1] as const;

/** Who holds anchore-manager's migration lock exclusively, if anyone: a description for messages. */
export async function anchoreMigrationHolder(pool: Pool | PoolClient): Promise<string | undefined> {
  const res = await pool.query<{
    pid: number;
    app: string | null;
    client: string | null;
    since: string | null;
  }>(
    `SELECT l.pid, a.application_name AS app, a.client_addr::text AS client, a.backend_start::text AS since
     FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'advisory' AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 2
       AND l.mode = 'ExclusiveLock' AND l.granted AND l.database = (SELECT oid FROM pg_database
         WHERE datname = current_database())
     LIMIT 1`,
    [...ANCHORE_MIGRATION_LOCK],
  );
  const h = res.rows[0];
  if (!h) return undefined;
  return `PostgreSQL backend pid ${h.pid}${h.app ? ` (${h.app})` : ''}${h.client ? ` from ${h.client}` : ''}`;
}

/** In the caller's transaction: holds the lock shared until it ends, or throws if anchore-manager holds it. */
export async function shareAnchoreMigrationLock(client: PoolClient): Promise<void> {
  const res = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock_shared($1, $2) AS ok', [
    ...ANCHORE_MIGRATION_LOCK,
  ]);
  if (res.rows[0]?.ok) return;
  throw new AnchoreMigrationRunningError(
    `anchore-manager objectstorage migrate is running on this catalog (it holds the migration lock, ` +
      `${(await anchoreMigrationHolder(client)) ?? 'advisory lock 2,1'}): this page waits until it ends`,
  );
}
