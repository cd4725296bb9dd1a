/**
 * Server-side copies (S3 CopyObject between buckets of one server): the bodies never pass through the worker.
 * Used only when both stores compress by the same rules, so the stored bytes — and their digest, size and
 * is_compressed — stay valid as they are. A document with a digest and size is copied on condition that the
 * source's ETag is its digest (CopySourceIfMatch), so the source is checked against its metadata in the copy
 * request itself. Only the rest — no digest or size, absent, or another ETag — is looked at with a HEAD: a
 * multipart or SSE-KMS source (whose ETag is not an md5) is read and re-written instead, so no document is copied
 * unchecked; a real mismatch fails the document.
 */
import type { ArchiveMetadataRow, JournalEntry } from '../catalog';
import { provenMd5, type CopyResult, type ObjectStoreDriver } from '../drivers/types';
import { asError, isDocumentRejected } from '../errors';
import type { PortableStore } from '../shared/migration';
import { badDocumentName, failedEntry, journalBase } from './journal-base';

/** A copy one end refused: the document is read and written instead, which tells which end. */
const REJECTED: CopyResult = { skipped: 'absent' };

/** Outcome of a chunk: journal entries of copies and failures, and the rows to copy by reading instead. */
export interface ServerSideOutcome {
  readonly entries: JournalEntry[];
  readonly copied: number;
  readonly bytes: number;
  readonly failed: number;
  readonly readInstead: ArchiveMetadataRow[];
  /**
   * The error that stopped the chunk part-way; `entries` then holds only the copies made before it, which the
   * caller journals before it throws the error (a retry copies the rest).
   */
  readonly interrupted?: Error;
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
  const { copyFrom } = dest;
  const { statMany } = source;
  if (!copyFrom || !statMany || !dest.canCopyFrom?.(source)) return undefined;
  const failed: JournalEntry[] = [];
  const copies: JournalEntry[] = [];
  const readInstead: ArchiveMetadataRow[] = [];
  const copy = async (
    items: ReadonlyArray<{ row: ArchiveMetadataRow; digest: string; size: number }>,
    conditional: boolean,
  ): Promise<ArchiveMetadataRow[]> => {
    if (items.length === 0) return [];
    const copyItems = items.map(({ row, digest }) => ({
      sourceUri: row.content_url as string,
      ref: { userId: row.userId, bucket: row.bucket, key: row.archiveId },
      ...(conditional ? { expectMd5: digest } : {}),
    }));
    // Each copy is recorded as it completes, so a batch that fails part-way still reports what it copied.
    const results = new Map<number, CopyResult>();
    const onDone = (i: number, r: CopyResult): void => {
      results.set(i, r);
      const { row, digest, size } = items[i] as (typeof items)[number];
      if (!('skipped' in r)) copies.push(copiedEntry(row, r.uri, digest, size));
    };
    await copyFrom(source, copyItems, { signal, onDone }).then(
      // Whatever a driver did not report as it went (it need not), its answer holds.
      (all) => all.forEach((r, i) => results.has(i) || onDone(i, r)),
      async (err: unknown) => {
        if (!isDocumentRejected(err)) throw err;
        // One object refused (by the source or the destination): copy the rest one by one and read the refused
        // ones, so the read or the write names which end refused it.
        for (const [i, item] of copyItems.entries()) {
          if (results.has(i)) continue;
          await copyFrom(source, [item], { signal }).then(
            ([r]) => onDone(i, r as CopyResult),
            (e: unknown) => {
              if (!isDocumentRejected(e)) throw e;
              results.set(i, REJECTED);
            },
          );
        }
      },
    );
    const refused: ArchiveMetadataRow[] = [];
    items.forEach(({ row }, i) => {
      const r = results.get(i);
      if (r === REJECTED) readInstead.push(row);
      else if (r && 'skipped' in r) refused.push(row);
    });
    return refused;
  };

  const outcome = (entries: JournalEntry[]): Omit<ServerSideOutcome, 'interrupted'> => ({
    entries,
    copied: copies.length,
    bytes: copies.reduce((n, c) => n + (c.dest_size ?? 0), 0),
    failed: entries.length - copies.length,
    readInstead,
  });
  try {
    const unknown: ArchiveMetadataRow[] = [];
    const checked: Array<{ row: ArchiveMetadataRow; digest: string; size: number }> = [];
    for (const row of rows) {
      const bad = badDocumentName(row);
      if (bad) failed.push(bad);
      else if (row.digest !== null && row.size !== null)
        checked.push({ row, digest: row.digest, size: row.size });
      else unknown.push(row);
    }
    unknown.push(...(await copy(checked, true)));
    const checkedByHead = await statChecked(unknown, statMany, failed, signal);
    readInstead.push(...checkedByHead.readInstead);
    // An unconditional copy may still meet a source removed since the HEAD: that one is missing, not copied.
    for (const row of await copy(checkedByHead.ok, false)) {
      failed.push(failedEntry(row, 'source_missing', `no object at ${row.content_url}`));
    }
  } catch (err) {
    return { ...outcome([...copies]), interrupted: asError(err) };
  }
  return outcome([...copies, ...failed]);
}

function copiedEntry(row: ArchiveMetadataRow, uri: string, digest: string, size: number): JournalEntry {
  return {
    ...journalBase(row),
    phase: 'copied',
    dest_url: uri,
    dest_digest: digest,
    dest_size: size,
    dest_compressed: row.is_compressed === true,
  };
}

/**
 * HEADs the sources a conditional copy could not settle and sorts them: copy (md5 known and matching the
 * metadata, or no digest to compare), read instead (the server cannot tell the md5), or failed (into `failed`).
 */
async function statChecked(
  rows: readonly ArchiveMetadataRow[],
  statMany: NonNullable<ObjectStoreDriver['statMany']>,
  failed: JournalEntry[],
  signal?: AbortSignal,
): Promise<{
  ok: Array<{ row: ArchiveMetadataRow; digest: string; size: number }>;
  readInstead: ArchiveMetadataRow[];
}> {
  const ok: Array<{ row: ArchiveMetadataRow; digest: string; size: number }> = [];
  const readInstead: ArchiveMetadataRow[] = [];
  if (rows.length === 0) return { ok, readInstead };
  const stats = await statMany(
    rows.map((r) => r.content_url as string),
    { signal },
  ).catch((err: unknown) => {
    // A source that refuses its HEAD: reading names the document that is refused.
    if (!isDocumentRejected(err)) throw err;
    return undefined;
  });
  if (!stats) return { ok, readInstead: [...rows] };
  for (const row of rows) {
    const stat = stats.get(row.content_url as string);
    if (!stat) {
      failed.push(failedEntry(row, 'source_missing', `no object at ${row.content_url}`));
      continue;
    }
    if (row.size !== null && stat.size !== row.size) {
      failed.push(
        failedEntry(row, 'size_mismatch', `stored ${stat.size} bytes, archive_metadata says ${row.size}`),
      );
      continue;
    }
    const md5 = provenMd5(stat, row.digest);
    if (md5 === undefined) readInstead.push(row);
    else if (row.digest !== null && md5 !== row.digest) {
      failed.push(
        failedEntry(row, 'digest_mismatch', `stored md5 ${md5}, archive_metadata says ${row.digest}`),
      );
    } else ok.push({ row, digest: md5, size: stat.size });
  }
  return { ok, readInstead };
}
