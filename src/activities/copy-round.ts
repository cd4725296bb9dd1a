/**
 * One round of a chunk's copy work: read the source bodies, check each against its row (digest, size,
 * documentName), decompress and re-encode under the destination's rules, and write the copies. It decides
 * nothing and touches no journal: the page activity journals what it returns, and reads again the documents whose
 * body disagreed with their row (Anchore may have been writing them). Because it needs only the two drivers, a
 * worker runs it in threads of its own (docs/adr/0009) so the bodies never reach the main heap.
 */
import type { ArchiveMetadataRow, JournalEntry } from '../catalog';
import { recodeStored, type StoredBytes } from '../drivers/stored-bytes';
import type { ObjectStoreDriver } from '../drivers/types';
import type { PortableStore } from '../shared/migration';
import type { ChunkCopier, DriverProvider } from './deps';
import { documentErrorCode } from './failures';
import { badDocumentName, failedEntry, journalBase } from './journal-base';
import { readBodies } from './read-bodies';
import { writeCopies, type Copy } from './write-copies';

/**
 * The journal entries of a round: copies written, and documents given up (with their codes). A round whose
 * writes failed part-way is `interrupted` by that error: `written` still holds every copy it made, which the
 * caller journals before it throws the error.
 */
export interface CopyRound {
  readonly written: JournalEntry[];
  readonly failed: JournalEntry[];
  readonly interrupted?: Error;
}

export async function copyRound(
  source: ObjectStoreDriver,
  dest: ObjectStoreDriver,
  rows: readonly ArchiveMetadataRow[],
  to: PortableStore,
  signal?: AbortSignal,
): Promise<CopyRound> {
  const { bodies, readable, unparseable } = await readBodies(source, rows, signal);
  const prepared = prepareCopies(readable, bodies, to, dest);
  bodies.clear();
  const { written, rejected, interrupted } = await writeCopies(dest, prepared.copies, signal);
  const failed = [...unparseable, ...prepared.failed, ...rejected];
  return interrupted ? { written, failed, interrupted } : { written, failed };
}

/** Checks each body against its metadata and encodes it for the destination; failures are journal entries. */
function prepareCopies(
  rows: readonly ArchiveMetadataRow[],
  bodies: Map<string, Buffer>,
  to: PortableStore,
  dest: ObjectStoreDriver,
): { copies: Copy[]; failed: JournalEntry[] } {
  const failed: JournalEntry[] = [];
  const copies: Copy[] = [];
  for (const row of rows) {
    const base = journalBase(row);
    const fail = (code: string, message: string): void => {
      failed.push(failedEntry(row, code, message));
    };
    const badName = badDocumentName(row);
    if (badName) {
      failed.push(badName);
      continue;
    }
    const stored = bodies.get(base.source_url);
    if (!stored) {
      fail('source_missing', `no object at ${base.source_url}`);
      continue;
    }
    if (row.size !== null && stored.length !== row.size) {
      fail('size_mismatch', `stored ${stored.length} bytes, archive_metadata says ${row.size}`);
      continue;
    }
    let out: StoredBytes;
    try {
      out = recodeStored(stored, row, base.source_url, to.compression, dest.supportsCompression);
    } catch (err) {
      const code = documentErrorCode(err);
      if (!code) throw err;
      fail(code, (err as Error).message);
      continue;
    }
    const checksum = dest.checksumFor?.(out.data);
    copies.push({
      item: {
        ref: { userId: row.userId, bucket: row.bucket, key: row.archiveId },
        data: out.data,
        md5: out.digest,
        ...(checksum ? { checksum } : {}),
      },
      entry: {
        ...base,
        phase: 'copied',
        dest_digest: out.digest,
        dest_size: out.size,
        dest_compressed: out.isCompressed,
        ...(checksum ? { dest_checksum: checksum } : {}),
      },
    });
  }
  return { copies, failed };
}

/** The copier of a process without copy threads: the round runs in the activity's thread, with its drivers. */
export function inlineCopier(drivers: DriverProvider): ChunkCopier {
  return {
    copy: (rows, from, to, signal) =>
      copyRound(drivers.driverFor(from), drivers.driverFor(to), rows, to, signal),
    // These drivers are the activities' own: their answers are taken with theirs.
    takeBusyAnswers: () => 0,
  };
}
