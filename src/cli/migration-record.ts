/** Looks a migration up by its Anchore task id in this catalog's registry (which holds its workflow id). */
import type { Pool } from 'pg';
import { createCatalogPool, getMigration, resolveCatalogUrl, type MigrationRecord } from '../catalog';
import { ConfigError } from '../errors';
import { registerDbPassword } from './db-secrets';
import type { GlobalOptions } from './globals';

/** Runs `fn` with the catalog pool and the migration's record; unknown ids are a clear error. */
export async function withMigration<T>(
  g: GlobalOptions,
  taskId: number,
  fn: (record: MigrationRecord, pool: Pool) => Promise<T>,
): Promise<T> {
  const db = resolveCatalogUrl(g.dbConnect, process.env);
  registerDbPassword(db.url);
  const pool = createCatalogPool(db.url, 2);
  try {
    const record = await getMigration(pool, taskId);
    if (!record) {
      throw new ConfigError(
        `no migration with id ${taskId} in this catalog; list them with: objectstorage list-migrations`,
      );
    }
    return await fn(record, pool);
  } finally {
    await pool.end();
  }
}
