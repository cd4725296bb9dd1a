/**
 * The old way: anchore-manager's `objectstorage migrate` loop (anchore-storage.md §8), re-implemented with this
 * project's Anchore-exact drivers and manager so that only the algorithm differs:
 *   blocking advisory lock (2,1); in one transaction load ALL selected rows into memory (no ORDER BY, no paging);
 *   insert the ArchiveMigrationTask row; then ONE document at a time, each step its own transaction:
 *   from.get (metadata, body, md5 check, decompress) → to.put (recompress, driver put, metadata upsert) →
 *   source delete_by_uri (driver names differ) → count; finally the task row.
 * It is not slowed down: no logging per document, a warm connection pool, TypeScript instead of Python.
 * `deadline` caps the run (the loop is sequential, its rate is steady); the rate counts finished documents.
 */
import { hostname } from 'node:os';
import type { Pool } from 'pg';
import { createPgMetadataStore } from '../../src/catalog';
import { createDbDriver } from '../../src/drivers/db';
import { createObjectStoreManager } from '../../src/drivers/manager';
import type { ObjectStoreDriver } from '../../src/drivers/types';

export interface OldWayResult {
  readonly selected: number;
  readonly migrated: number;
  readonly failed: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly loadSeconds: number;
  readonly docsPerSecond: number;
  readonly capped: boolean;
}

interface Row {
  userId: string;
  bucket: string;
  archiveId: string;
  content_url: string;
}

export async function anchoreManagerMigrate(
  pool: Pool,
  dest: ObjectStoreDriver,
  destCompression: { enabled: boolean; min_size_kbytes: number },
  deadlineSeconds: number,
): Promise<OldWayResult> {
  const meta = createPgMetadataStore(pool);
  const source = createDbDriver(pool);
  const fromMgr = createObjectStoreManager(source, { enabled: false, min_size_kbytes: 100 }, meta);
  const toMgr = createObjectStoreManager(dest, destCompression, meta);
  // 6.1: constructing the managers runs the drivers' self-checks.
  await source.selfCheck();
  await dest.selfCheck();
  const started = Date.now();
  const lock = await pool.connect();
  try {
    await lock.query('SELECT pg_advisory_lock(2, 1)');
    // 6.3: every row of the source scheme, in one transaction, into memory.
    await lock.query('BEGIN');
    const rows = (
      await lock.query<Row>(
        `SELECT "userId", bucket, "archiveId", content_url FROM archive_metadata WHERE content_url LIKE 'db://%'`,
      )
    ).rows;
    await lock.query('COMMIT');
    // 6.4: the task row, as anchore-manager writes it.
    const task = await pool.query<{ id: number }>(
      `INSERT INTO tasks (state, created_at, started_at, last_updated, executor_id, type)
       VALUES ('running', now() AT TIME ZONE 'utc', now() AT TIME ZONE 'utc', now() AT TIME ZONE 'utc', $1, 'archivemigrationtask')
       RETURNING id`,
      [`${hostname()}:${process.pid}:1:`],
    );
    const taskId = task.rows[0]?.id;
    await pool.query(
      `INSERT INTO archive_migration_tasks (id, migrate_from_driver, migrate_to_driver, archive_documents_to_migrate,
         archive_documents_migrated, online_migration) VALUES ($1, 'db', $2, $3, 0, NULL)`,
      [taskId, dest.name, rows.length],
    );
    const loadSeconds = (Date.now() - started) / 1000;
    const deadline = started + deadlineSeconds * 1000;
    let migrated = 0;
    let failed = 0;
    let bytes = 0;
    let capped = false;
    for (const row of rows) {
      if (Date.now() > deadline) {
        capped = true;
        break;
      }
      try {
        const data = await fromMgr.get(row.userId, row.bucket, row.archiveId);
        if (!data) throw new Error('no document');
        await toMgr.put(row.userId, row.bucket, row.archiveId, data);
        await source.delete(row.content_url); // driver names differ (db → s3): the source is removed
        migrated++;
        bytes += data.length;
      } catch {
        failed++; // logged and skipped upstream; the counter is not incremented
      }
    }
    const seconds = (Date.now() - started) / 1000;
    await pool.query(
      `UPDATE tasks SET last_state = 'running', state = 'complete', ended_at = now() AT TIME ZONE 'utc',
         last_updated = now() AT TIME ZONE 'utc' WHERE id = $1`,
      [taskId],
    );
    await pool.query('UPDATE archive_migration_tasks SET archive_documents_migrated = $2 WHERE id = $1', [
      taskId,
      migrated,
    ]);
    return {
      selected: rows.length,
      migrated,
      failed,
      bytes,
      seconds,
      loadSeconds,
      docsPerSecond: migrated / seconds,
      capped,
    };
  } finally {
    await lock.query('SELECT pg_advisory_unlock(2, 1)').catch(() => undefined);
    lock.release();
  }
}
