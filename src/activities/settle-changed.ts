/**
 * What becomes of copies whose metadata row no longer holds the version they were copied from: Anchore rewrote
 * the document in place (copied again: `stale`), deleted it (its copy and journal row are removed, only while no
 * row points at the copy), or something moved the row elsewhere (the document fails and is left as it is).
 * Shared by verify's switch, staging's verify and the cutover's switch.
 */
import {
  docKeyString,
  forgetDocuments,
  lockVersions,
  setPhase,
  type JournalRow,
  type StoredVersion,
} from '../catalog';
import type { ObjectStoreDriver } from '../drivers/types';
import type { PoolClient } from 'pg';
import type { PageFence } from './page-fence';
import { deleteUnpointedCopies } from './unpointed-copies';

/** How many rows of each kind were settled. */
export interface Settled {
  readonly stale: number;
  readonly dropped: number;
  readonly failed: number;
}

/**
 * Settles `rows` in the caller's transaction, under `fence` (their page's). `now` holds the version each row
 * held when it was locked in this transaction; when absent, the rows are locked here.
 */
export async function settleChangedRows(
  client: PoolClient,
  taskId: number,
  dest: ObjectStoreDriver,
  rows: readonly JournalRow[],
  fence: PageFence,
  signal?: AbortSignal,
  now?: ReadonlyMap<string, StoredVersion>,
): Promise<Settled> {
  if (rows.length === 0) return { stale: 0, dropped: 0, failed: 0 };
  const held = now ?? (await lockVersions(client, rows));
  const version = (r: JournalRow) => held.get(docKeyString(r));
  const rewritten = rows.filter((r) => version(r)?.url === r.source_url);
  const gone = rows.filter((r) => version(r) === undefined);
  const moved = rows.filter((r) => !rewritten.includes(r) && !gone.includes(r));
  await setPhase(client, taskId, rewritten, 'stale');
  fence.assertHeld();
  const dropped = await dropDeletedDocuments(client, taskId, dest, gone, signal);
  await setPhase(client, taskId, moved, 'failed', {
    code: 'metadata_changed',
    message: 'archive_metadata no longer points at the source (moved while migrating); left as it is',
  });
  return { stale: rewritten.length, dropped, failed: moved.length };
}

/**
 * Documents Anchore deleted: their copies are removed (only while no row points at them), and their journal rows
 * with them, those that never had a copy included. Returns the journal rows removed. The caller holds the
 * rows' fence and has asserted it.
 */
export async function dropDeletedDocuments(
  client: PoolClient,
  taskId: number,
  dest: ObjectStoreDriver,
  gone: readonly JournalRow[],
  signal?: AbortSignal,
): Promise<number> {
  const removed = await deleteUnpointedCopies(client, dest, gone, signal);
  return forgetDocuments(client, taskId, [...removed.deleted, ...gone.filter((r) => r.dest_url === null)]);
}
