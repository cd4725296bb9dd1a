/**
 * Typed access to `archive_metadata`, the one metadata row per stored document (anchore-storage.md §3).
 * Writes set the values Anchore's ORM would (no DEFAULT clauses in the table, §11.2).
 */
import type { Pool } from 'pg';
import { selectList } from '../sql/columns';
import type { ArchiveMetadataRow, MetadataStore } from '../shared/archive-metadata';

export type { ArchiveMetadataRow, MetadataStore, MetadataWrite } from '../shared/archive-metadata';

/** archive_metadata's columns as ArchiveMetadataRow holds them; of the table aliased `t` when given. */
export function metadataColumns(t?: string): string {
  return selectList(METADATA_COLUMNS, SIZE_COLUMN, t);
}

const METADATA_COLUMNS = [
  'bucket',
  '"archiveId"',
  '"userId"',
  '"documentName"',
  'content_url',
  'is_compressed',
  'digest',
  'size',
  'created_at',
  'last_updated',
] as const;
const SIZE_COLUMN: ReadonlySet<string> = new Set(['size']);

/** archive_metadata over a pg pool. */
export function createPgMetadataStore(pool: Pool): MetadataStore {
  return {
    async get(userId, bucket, archiveId) {
      const res = await pool.query<ArchiveMetadataRow>(
        `SELECT ${metadataColumns()} FROM archive_metadata WHERE bucket = $1 AND "archiveId" = $2 AND "userId" = $3 AND "documentName" = $4`,
        [bucket, archiveId, userId, `${archiveId}.json`],
      );
      return res.rows[0];
    },
    async upsert(w) {
      // Anchore's session.merge: insert, or update the content fields and last_updated of the existing row.
      await pool.query(
        `INSERT INTO archive_metadata (bucket, "archiveId", "userId", "documentName", content_url, is_compressed, digest,
                                       size, document_metadata, created_at, last_updated, record_state_key, record_state_val)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, $9, $9, 'active', NULL)
         ON CONFLICT (bucket, "archiveId", "userId", "documentName") DO UPDATE SET
           content_url = EXCLUDED.content_url, is_compressed = EXCLUDED.is_compressed, digest = EXCLUDED.digest,
           size = EXCLUDED.size, last_updated = EXCLUDED.last_updated`,
        [
          w.bucket,
          w.archiveId,
          w.userId,
          `${w.archiveId}.json`,
          w.contentUrl,
          w.isCompressed,
          w.digest,
          w.size,
          Math.floor(Date.now() / 1000),
        ],
      );
    },
    async delete(userId, bucket, archiveId) {
      await pool.query(
        `DELETE FROM archive_metadata WHERE bucket = $1 AND "archiveId" = $2 AND "userId" = $3 AND "documentName" = $4`,
        [bucket, archiveId, userId, `${archiveId}.json`],
      );
    },
  };
}

/**
 * The logical buckets that hold at least one document: a skip scan over the primary key (bucket first), so a
 * catalog of millions of rows answers in as many index probes as it has buckets.
 */
export async function bucketsInCatalog(pool: Pool): Promise<string[]> {
  const res = await pool.query<{ bucket: string }>(
    `WITH RECURSIVE b(bucket) AS (
       (SELECT bucket FROM archive_metadata ORDER BY bucket LIMIT 1)
       UNION ALL
       SELECT (SELECT m.bucket FROM archive_metadata m WHERE m.bucket > b.bucket ORDER BY m.bucket LIMIT 1)
       FROM b WHERE b.bucket IS NOT NULL
     )
     SELECT bucket FROM b WHERE bucket IS NOT NULL`,
  );
  return res.rows.map((r) => r.bucket);
}
