/**
 * Reading a chunk's source bodies so that a content URL the source driver cannot parse fails only its own
 * document (journal code `bad_content_url`) instead of the whole page: the batch read is tried first, and only
 * when it throws UriParseError are the URLs read one by one to find the unparseable ones.
 */
import type { ArchiveMetadataRow, JournalEntry } from '../catalog';
import type { ObjectStoreDriver } from '../drivers/types';
import { errorName } from '../errors';
import { failedEntry } from './journal-base';

/** Bodies by content URL, and the rows whose content URL does not parse as failed journal entries. */
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
    if (!isUriParseError(err)) throw err;
  }
  const bodies = new Map<string, Buffer>();
  const readable: ArchiveMetadataRow[] = [];
  const unparseable: JournalEntry[] = [];
  for (const row of rows) {
    try {
      for (const [url, body] of await source.getMany([row.content_url as string], { signal }))
        bodies.set(url, body);
      readable.push(row);
    } catch (err) {
      if (!isUriParseError(err)) throw err;
      unparseable.push(failedEntry(row, 'bad_content_url', (err as Error).message));
    }
  }
  return { bodies, readable, unparseable };
}

/** True for the error a driver throws on a content URL it cannot parse. */
export function isUriParseError(err: unknown): boolean {
  return errorName(err) === 'UriParseError';
}
