/**
 * Typed access to `archive_metadata`, the one metadata row per stored document (anchore-storage.md §3).
 * Writes set the values Anchore's ORM would (no DEFAULT clauses in the table, §11.2).
 */
import type { Pool } from 'pg';

/** A row of archive_metadata. `size` is a bigint; pg returns it as a string, we parse it. */
export interface ArchiveMetadataRow {
  readonly bucket: string;
  readonly archiveId: string;
  readonly userId: string;
  readonly documentName: string;
  readonly content_url: string | null;
  readonly is_compressed: boolean | null;
  readonly digest: string | null;
  readonly size: number | null;
  readonly created_at: number | null;
  readonly last_updated: number | null;
}

/** The primary key, in column order; also the keyset pagination cursor. */
export interface MetadataKey {
  readonly bucket: string;
  readonly archiveId: string;
  readonly userId: string;
  readonly documentName: string;
}

/** What a writer supplies; the rest follows Anchore's rules. */
export interface MetadataWrite {
  readonly userId: string;
  readonly bucket: string;
  readonly archiveId: string;
  readonly contentUrl: string;
  readonly isCompressed: boolean;
  readonly digest: string;
  readonly size: number;
}

/** The metadata operations the object-store manager needs; a Map-backed fake implements it in unit tests. */
export interface MetadataStore {
  get(userId: string, bucket: string, archiveId: string): Promise<ArchiveMetadataRow | undefined>;
  upsert(write: MetadataWrite): Promise<void>;
  delete(userId: string, bucket: string, archiveId: string): Promise<void>;
}

const COLUMNS = `bucket, "archiveId", "userId", "documentName", content_url, is_compressed, digest, size::float8 AS size, created_at, last_updated`;

/** Filter on a content-URL prefix and optional logical buckets. `starts_with` avoids LIKE wildcards in the prefix. */
export interface LocationFilter {
  readonly prefix: string;
  readonly buckets?: readonly string[];
}

function whereLocation(filter: LocationFilter, first: number): { sql: string; params: unknown[] } {
  const params: unknown[] = [filter.prefix];
  let sql = `starts_with(content_url, $${first})`;
  if (filter.buckets && filter.buckets.length > 0) {
    params.push(filter.buckets);
    sql += ` AND bucket = ANY($${first + 1}::varchar[])`;
  }
  return { sql, params };
}

/** archive_metadata over a pg pool. */
export function createPgMetadataStore(pool: Pool): MetadataStore {
  return {
    async get(userId, bucket, archiveId) {
      const res = await pool.query<ArchiveMetadataRow>(
        `SELECT ${COLUMNS} FROM archive_metadata WHERE bucket = $1 AND "archiveId" = $2 AND "userId" = $3 AND "documentName" = $4`,
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
 * One keyset page of rows whose content_url starts with `filter.prefix`, in primary-key order after `after`.
 * Never OFFSET: each page costs the same however deep the migration is.
 */
export async function listMetadataPage(
  pool: Pool,
  filter: LocationFilter,
  after: MetadataKey | undefined,
  limit: number,
): Promise<ArchiveMetadataRow[]> {
  const { sql, params } = whereLocation(filter, 1);
  let cursor = '';
  if (after) {
    const n = params.length;
    cursor = ` AND (bucket, "archiveId", "userId", "documentName") > ($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4})`;
    params.push(after.bucket, after.archiveId, after.userId, after.documentName);
  }
  params.push(limit);
  const res = await pool.query<ArchiveMetadataRow>(
    `SELECT ${COLUMNS} FROM archive_metadata WHERE ${sql}${cursor}
     ORDER BY bucket, "archiveId", "userId", "documentName" LIMIT $${params.length}`,
    params,
  );
  return res.rows;
}

/** Document count and stored bytes per logical bucket at a location. */
export async function countByLocation(
  pool: Pool,
  filter: LocationFilter,
): Promise<Array<{ bucket: string; documents: number; bytes: number }>> {
  const { sql, params } = whereLocation(filter, 1);
  const res = await pool.query<{ bucket: string; documents: number; bytes: number }>(
    `SELECT bucket, count(*)::float8 AS documents, coalesce(sum(size), 0)::float8 AS bytes
     FROM archive_metadata WHERE ${sql} GROUP BY bucket ORDER BY bucket`,
    params,
  );
  return res.rows;
}
