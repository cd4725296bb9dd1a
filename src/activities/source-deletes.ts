/**
 * Deleting the sources of switched documents, for deletePage and the cutover's deletes: in one batch (S3
 * DeleteObjects, one SQL DELETE), each only while its metadata row, locked in the caller's transaction, still
 * holds the verified copy's version (or is gone: Anchore deleted the document). A row that points at the source
 * again (Anchore rewrote it there after the switch) keeps its source and is journaled `stale`, to be copied
 * again. Deleting an absent source is not an error, so a retry is safe. A source the store refuses to delete
 * (Object Lock, a policy) is journaled `kept` (source_kept): the document moved, its source stays and is reported.
 */
import {
  addToTaskCount,
  destVersion,
  docKeyString,
  lockVersions,
  movedBytes,
  sameVersion,
  setPhase,
  type JournalRow,
} from '../catalog';
import type { PoolClient } from 'pg';
import type { MigratedSource, ObjectStoreDriver } from '../drivers/types';
import { errorName, type DeleteRefusedError } from '../errors';
import type { MigrationInput, MovedBytes } from '../shared/migration';
import type { PageFence } from './page-fence';
import { StoreRefusals } from './store-refusals';

/** Sources deleted, and documents found rewritten at the source after their switch (copied again). */
export interface DeleteCounts {
  readonly deleted: number;
  readonly stale: number;
  /** Of the deleted documents' sources (absent in results recorded before it was kept). */
  readonly bytes?: MovedBytes;
  /** Overloaded answers the stores gave meanwhile (PageCounts.busy). */
  readonly busy?: number;
  /** Migrated documents whose source the store refused to delete (absent: none). */
  readonly kept?: number;
}

/**
 * Deletes the sources; returns those the store refused (Object Lock, a policy that denies their delete) with its
 * reason. A store refusing objects may instead have stopped serving us altogether: when it refused every one, its
 * self-check decides (and its error stops the page) before any source is reported kept.
 */
async function deleteSources(
  source: ObjectStoreDriver,
  sources: readonly MigratedSource[],
  withVersions: boolean,
  signal?: AbortSignal,
): Promise<ReadonlyMap<string, string>> {
  try {
    if (withVersions && source.deleteWithVersions) await source.deleteWithVersions(sources, { signal });
    else
      await source.deleteMany(
        sources.map((s) => s.uri),
        { signal },
      );
    return new Map();
  } catch (err) {
    if (errorName(err) !== 'DeleteRefusedError') throw err;
    const { refused } = err as DeleteRefusedError;
    if (refused.size >= sources.length) await new StoreRefusals(source, signal).confirmOneDocument();
    return refused;
  }
}

/**
 * Deletes the sources of switched journal rows in the caller's transaction, under `fence` (their page's), and
 * journals each outcome: `deleted`, `kept` (the store refused), `stale` (Anchore rewrote it at the source after
 * the switch) or `failed` (the row holds another version). Shared by deletePage and the cutover's deletes.
 */
export async function deleteSourcesOf(
  client: PoolClient,
  input: MigrationInput,
  source: ObjectStoreDriver,
  rows: readonly JournalRow[],
  fence: PageFence,
  signal?: AbortSignal,
): Promise<DeleteCounts> {
  const now = await lockVersions(client, rows);
  const migrated = (r: JournalRow): boolean => {
    const held = now.get(docKeyString(r));
    return held === undefined || sameVersion(held, destVersion(r));
  };
  const deletable = rows.filter(migrated);
  const kept = rows.filter((r) => !migrated(r));
  fence.assertHeld();
  const refused = await deleteSources(
    source,
    deletable.map((r) => ({ uri: r.source_url, size: r.source_size })),
    input.reclaimVersions === true,
    signal,
  );
  const deleted = deletable.filter((r) => !refused.has(r.source_url));
  const locked = deletable.filter((r) => refused.has(r.source_url));
  await addToTaskCount(client, input.taskId, await setPhase(client, input.taskId, deleted, 'deleted'));
  const byReason = new Map<string, JournalRow[]>();
  for (const r of locked) {
    const reason = refused.get(r.source_url) as string;
    byReason.set(reason, [...(byReason.get(reason) ?? []), r]);
  }
  for (const [reason, same] of byReason) {
    const message = `the source store refused the delete (${reason}): the document moved, its source is kept`;
    await addToTaskCount(
      client,
      input.taskId,
      await setPhase(client, input.taskId, same, 'kept', { code: 'source_kept', message }),
    );
  }
  const rewritten = kept.filter((r) => now.get(docKeyString(r))?.url === r.source_url);
  await setPhase(client, input.taskId, rewritten, 'stale');
  await setPhase(
    client,
    input.taskId,
    kept.filter((r) => !rewritten.includes(r)),
    'failed',
    {
      code: 'metadata_changed',
      message:
        'archive_metadata no longer holds the migrated version (changed since the switch); source kept',
    },
  );
  return {
    deleted: deleted.length,
    stale: rewritten.length,
    bytes: movedBytes(deletable),
    ...(locked.length > 0 ? { kept: locked.length } : {}),
  };
}
