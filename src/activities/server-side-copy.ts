/**
 * Server-side copies (S3 CopyObject between buckets of one server): the bodies never pass through the worker.
 * Used only when both stores compress by the same rules, so the stored bytes — and their digest, size and
 * is_compressed — stay valid as they are. Each source is first checked against its metadata with a HEAD (size,
 * and md5 from a single-part ETag); a source whose md5 the server cannot tell is read and re-written instead,
 * so no document is copied unchecked.
 */
import type { ArchiveMetadataRow, JournalEntry } from '../catalog';
import type { ObjectStoreDriver } from '../drivers/types';
import type { PortableStore } from '../shared/migration';
import { badDocumentName, failedEntry, journalBase } from './journal-base';

/** Outcome of a chunk: journal entries of copies and failures, and the rows to copy by reading instead. */
export interface ServerSideOutcome {
  readonly entries: JournalEntry[];
  readonly copied: number;
  readonly bytes: number;
  readonly failed: number;
  readonly readInstead: ArchiveMetadataRow[];
}

/** Same compression rules: the stored form of every document is what the destination would write. */
export function sameCompressionRules(
  a: PortableStore['compression'],
  b: PortableStore['compression'],
): boolean {
  const on = (c: PortableStore['compression']): boolean => c.enabled === true;
  return on(a) === on(b) && (!on(a) || a.min_size_kbytes === b.min_size_kbytes);
}

/** Copies `rows` server-side, or returns undefined when `dest` cannot copy from `source`. */
export async function copyServerSide(
  rows: readonly ArchiveMetadataRow[],
  source: ObjectStoreDriver,
  dest: ObjectStoreDriver,
  signal?: AbortSignal,
): Promise<ServerSideOutcome | undefined> {
  if (!dest.copyFrom || !source.statMany || !dest.copyFrom(source, [], { signal })) return undefined;
  const stats = await source.statMany(
    rows.map((r) => r.content_url as string),
    { signal },
  );
  const failed: JournalEntry[] = [];
  const readInstead: ArchiveMetadataRow[] = [];
  const ok: Array<{ row: ArchiveMetadataRow; digest: string; size: number }> = [];
  for (const row of rows) {
    const bad = badDocumentName(row);
    const stat = stats.get(row.content_url as string);
    if (bad) failed.push(bad);
    else if (!stat) failed.push(failedEntry(row, 'source_missing', `no object at ${row.content_url}`));
    else if (row.size !== null && stat.size !== row.size) {
      failed.push(
        failedEntry(row, 'size_mismatch', `stored ${stat.size} bytes, archive_metadata says ${row.size}`),
      );
    } else if (stat.md5 === undefined) readInstead.push(row);
    else if (row.digest !== null && stat.md5 !== row.digest) {
      failed.push(
        failedEntry(row, 'digest_mismatch', `stored md5 ${stat.md5}, archive_metadata says ${row.digest}`),
      );
    } else ok.push({ row, digest: stat.md5, size: stat.size });
  }
  const urls = await (dest.copyFrom(
    source,
    ok.map(({ row }) => ({
      sourceUri: row.content_url as string,
      ref: { userId: row.userId, bucket: row.bucket, key: row.archiveId },
    })),
    { signal },
  ) as Promise<string[]>);
  const copies: JournalEntry[] = ok.map(({ row, digest, size }, i) => ({
    ...journalBase(row),
    phase: 'copied',
    destUrl: urls[i] as string,
    destDigest: digest,
    destSize: size,
    destCompressed: row.is_compressed === true,
  }));
  return {
    entries: [...copies, ...failed],
    copied: copies.length,
    bytes: ok.reduce((n, c) => n + c.size, 0),
    failed: failed.length,
    readInstead,
  };
}
