/** Map-backed archive_metadata for unit tests of the manager (the pg implementation is tested on PostgreSQL). */
import type { ArchiveMetadataRow, MetadataStore } from '../../src/catalog/archive-metadata';

export function createMemoryMetadataStore(): MetadataStore & { rows: Map<string, ArchiveMetadataRow> } {
  const rows = new Map<string, ArchiveMetadataRow>();
  const id = (userId: string, bucket: string, archiveId: string): string =>
    JSON.stringify([userId, bucket, archiveId]);
  return {
    rows,
    async get(userId, bucket, archiveId) {
      return rows.get(id(userId, bucket, archiveId));
    },
    async upsert(w) {
      const now = Math.floor(Date.now() / 1000);
      const old = rows.get(id(w.userId, w.bucket, w.archiveId));
      rows.set(id(w.userId, w.bucket, w.archiveId), {
        bucket: w.bucket,
        archiveId: w.archiveId,
        userId: w.userId,
        documentName: `${w.archiveId}.json`,
        content_url: w.contentUrl,
        is_compressed: w.isCompressed,
        digest: w.digest,
        size: w.size,
        created_at: old?.created_at ?? now,
        last_updated: now,
      });
    },
    async delete(userId, bucket, archiveId) {
      rows.delete(id(userId, bucket, archiveId));
    },
  };
}
