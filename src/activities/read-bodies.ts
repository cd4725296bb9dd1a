/**
 * Reading a chunk's source bodies so that a content URL the source driver cannot parse (journal code
 * `bad_content_url`), or an object the source refuses to serve while it serves others (`source_rejected`: its
 * KMS key or ACL denies it), fails only its own document instead of the whole page: the batch read is tried
 * first, and only when it throws one of those are the URLs read one by one to find the documents concerned.
 */
import type { ArchiveMetadataRow, JournalEntry } from '../catalog';
import type { ObjectStoreDriver } from '../drivers/types';
import { errorName, isDocumentRejected } from '../errors';
import { StoreRefusals } from './store-refusals';
import { failedEntry } from './journal-base';

/** Bodies by content URL, and the rows that could not be read on their own account as failed journal entries. */
export interface ChunkBodies {
  readonly bodies: Map<string, Buffer>;
  readonly readable: ArchiveMetadataRow[];
  readonly unparseable: JournalEntry[];
}

export async function readBodies(
  source: ObjectStoreDriver,
  rows: readonly ArchiveMetadataRow[],
  signal?: AbortSignal,
): Promise<ChunkBodies> {
  try {
    const bodies = await source.getMany(
      rows.map((r) => r.content_url as string),
      { signal },
    );
    return { bodies, readable: [...rows], unparseable: [] };
  } catch (err) {
    if (!oneDocumentsFault(err)) throw err;
  }
  const bodies = new Map<string, Buffer>();
  const readable: ArchiveMetadataRow[] = [];
  const unparseable: JournalEntry[] = [];
  const refusals = new StoreRefusals(source, signal);
  for (const row of rows) {
    try {
      for (const [url, body] of await source.getMany([row.content_url as string], { signal }))
        bodies.set(url, body);
      readable.push(row);
    } catch (err) {
      if (!oneDocumentsFault(err)) throw err;
      if (isDocumentRejected(err)) await refusals.confirmOneDocument();
      const code = isUriParseError(err) ? 'bad_content_url' : 'source_rejected';
      unparseable.push(failedEntry(row, code, (err as Error).message));
    }
  }
  return { bodies, readable, unparseable };
}

/** An error that concerns one document only: its URL does not parse, or the backend refused that object. */
function oneDocumentsFault(err: unknown): boolean {
  return isUriParseError(err) || isDocumentRejected(err);
}

/** True for the error a driver throws on a content URL it cannot parse. */
export function isUriParseError(err: unknown): boolean {
  return errorName(err) === 'UriParseError';
}
