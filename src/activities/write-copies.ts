/**
 * Writing a chunk's copies so that an object the destination refuses on its own (a key too long for it, a body
 * too large, a policy that denies that key) fails only its own document (journal code `dest_rejected`): the
 * batch write is tried first, and only when it throws DocumentRejectedError are the copies written one by one.
 */
import type { JournalEntry } from '../catalog';
import type { ObjectStoreDriver, PutItem } from '../drivers/types';
import { asError, isDocumentRejected } from '../errors';
import { StoreRefusals } from './store-refusals';

/** A document ready to write, and its journal entry without the URL the write gives it. */
export interface Copy {
  readonly item: PutItem;
  readonly entry: Omit<JournalEntry, 'dest_url'>;
}

/**
 * The written copies' journal entries, and the refused ones as failed entries. A write that fails for another
 * cause ends the round as `interrupted`, with every copy written before it in `written`: the caller journals them
 * before it rethrows, so no copy of a document Anchore deletes before the retry stays behind unknown.
 */
export async function writeCopies(
  dest: ObjectStoreDriver,
  copies: readonly Copy[],
  signal?: AbortSignal,
): Promise<{ written: JournalEntry[]; rejected: JournalEntry[]; interrupted?: Error }> {
  const urls = new Map<number, string>();
  const written = (): JournalEntry[] =>
    [...urls].map(([i, dest_url]) => ({ ...(copies[i] as Copy).entry, dest_url }));
  try {
    const all = await dest.putMany(
      copies.map((c) => c.item),
      { signal, onDone: (i, url) => urls.set(i, url) },
    );
    return { written: copies.map((c, i) => ({ ...c.entry, dest_url: all[i] as string })), rejected: [] };
  } catch (err) {
    if (!isDocumentRejected(err)) return { written: written(), rejected: [], interrupted: asError(err) };
  }
  const rejected: JournalEntry[] = [];
  const refusals = new StoreRefusals(dest, signal);
  try {
    for (const [i, c] of copies.entries()) {
      if (urls.has(i)) continue; // written by the batch before its refused object failed it
      const refusal = await dest.putMany([c.item], { signal }).then(
        ([url]) => void urls.set(i, url as string),
        (err: unknown) => {
          if (!isDocumentRejected(err)) throw err;
          return err as Error;
        },
      );
      if (!refusal) continue;
      await refusals.confirmOneDocument();
      rejected.push(rejectedEntry(c.entry, refusal.message));
    }
  } catch (err) {
    return { written: written(), rejected, interrupted: asError(err) };
  }
  return { written: written(), rejected };
}

/** The document failed, with only its source recorded: no copy of it exists. */
function rejectedEntry(entry: Omit<JournalEntry, 'dest_url'>, message: string): JournalEntry {
  return {
    ...entry,
    phase: 'failed',
    dest_digest: undefined,
    dest_size: undefined,
    dest_compressed: undefined,
    error_code: 'dest_rejected',
    error_message: message,
  };
}
