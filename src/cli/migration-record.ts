/** Looks a migration up by its Anchore task id in this catalog's registry (which holds its workflow id). */
import type { Pool } from 'pg';
import { getMigration, type MigrationRecord } from '../catalog';
import { MigrationNotFoundError } from '../errors';
import { withCatalog } from './catalog-connection';
import type { GlobalOptions } from './globals';

/** Runs `fn` with the catalog pool and the migration's record; unknown ids are a clear error. */
export async function withMigration<T>(
  g: GlobalOptions,
  taskId: number,
  fn: (record: MigrationRecord, pool: Pool) => Promise<T>,
): Promise<T> {
  return withCatalog(g, async (pool) => {
    const record = await getMigration(pool, taskId);
    if (!record) {
      throw new MigrationNotFoundError(
        `no migration with id ${taskId} in this catalog; list them with: objectstorage list-migrations`,
      );
    }
    return fn(record, pool);
  });
}
