/**
 * Writing a chunk's copies so that an object the destination refuses on its own (a key too long for it, a body
 * too large, a policy that denies that key) fails only its own document (journal code `dest_rejected`): the
 * batch write is tried first, and only when it throws DocumentRejectedError are the copies written one by one.
 */
import type { JournalEntry } from '../catalog';
import type { ObjectStoreDriver, PutItem } from '../drivers/types';
import { isDocumentRejected } from '../errors';
import { StoreRefusals } from './store-refusals';

/** A document ready to write, and its journal entry without the URL the write gives it. */
export interface Copy {
  readonly item: PutItem;
  readonly entry: Omit<JournalEntry, 'destUrl'>;
}

/** The written copies' journal entries, and the refused ones as failed entries. */
export async function writeCopies(
  dest: ObjectStoreDriver,
  copies: readonly Copy[],
  signal?: AbortSignal,
): Promise<{ written: JournalEntry[]; rejected: JournalEntry[] }> {
  try {
    const urls = await dest.putMany(
      copies.map((c) => c.item),
      { signal },
    );
    return { written: copies.map((c, i) => ({ ...c.entry, destUrl: urls[i] as string })), rejected: [] };
  } catch (err) {
    if (!isDocumentRejected(err)) throw err;
  }
  const written: JournalEntry[] = [];
  const rejected: JournalEntry[] = [];
  const refusals = new StoreRefusals(dest, signal);
  for (const c of copies) {
    try {
      const [url] = await dest.putMany([c.item], { signal });
      written.push({ ...c.entry, destUrl: url as string });
    } catch (err) {
      if (!isDocumentRejected(err)) throw err;
      await refusals.confirmOneDocument();
      rejected.push(rejectedEntry(c.entry, (err as Error).message));
    }
  }
  return { written, rejected };
}

/** The document failed, with only its source recorded: no copy of it exists. */
function rejectedEntry(entry: Omit<JournalEntry, 'destUrl'>, message: string): JournalEntry {
  return {
    ...entry,
    phase: 'failed',
    destDigest: undefined,
    destSize: undefined,
    destCompressed: undefined,
    errorCode: 'dest_rejected',
    errorMessage: message,
  };
}
