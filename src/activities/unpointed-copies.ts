/**
 * The one way a migration removes its own destination copies: only a copy no archive_metadata row points at is
 * deleted, checked under the lock of those rows in the caller's transaction, so no switch can point a row at
 * the copy between the check and the delete. A copy a row points at is the live document of a later migration
 * (or of Anchore) that wrote the same key: Anchore derives a URL from the row's own key, so only that key's row
 * can point at it.
 */
import { docKeyString, lockVersions, type JournalRow } from '../catalog';
import type { ObjectStoreDriver } from '../drivers/types';
import type { DocKey } from '../shared/migration';
import type { PoolClient } from 'pg';

/** A document and the copy of it a migration wrote (a journal row, or a copy not journaled yet). */
export type CopyOf = DocKey & { readonly dest_url: string | null };

/** Which copies were deleted and which were kept because a metadata row points at them. */
export interface CopyRemoval<R extends CopyOf = JournalRow> {
  readonly deleted: R[];
  readonly inUse: R[];
}

/** Deletes the copies (`dest_url`) of `rows` that no row points at; `client` must be in a transaction. */
export async function deleteUnpointedCopies<R extends CopyOf>(
  client: PoolClient,
  dest: ObjectStoreDriver,
  rows: readonly R[],
  signal?: AbortSignal,
): Promise<CopyRemoval<R>> {
  const withCopy = rows.filter((r) => r.dest_url !== null);
  const now = await lockVersions(client, withCopy);
  const pointed = (r: R): boolean => now.get(docKeyString(r))?.url === r.dest_url;
  const deleted = withCopy.filter((r) => !pointed(r));
  await dest.deleteMany(
    deleted.map((r) => r.dest_url as string),
    { signal },
  );
  return { deleted, inUse: withCopy.filter(pointed) };
}

/** The journal error of a copy kept because a metadata row points at it. */
export const COPY_IN_USE = {
  code: 'copy_in_use',
  message:
    'a metadata row points at this copy (a later migration or Anchore wrote the same key); left in place',
} as const;
