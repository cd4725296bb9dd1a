/**
 * rollbackBatch: undoes one batch of a migration whose sources still exist. Switched documents are pointed back
 * at their source (compare-and-swap on the copy's whole version, restoring the source's digest, size and
 * compression flag) and their copies removed, in one transaction with the journal; copies that were never
 * switched are removed unless a metadata row points at them. Documents whose source is gone stay at the
 * destination and are journaled as failed. Each page's rows are handled under that page's fence, so an attempt
 * of the migration still alive on a page (a worker that has not noticed the cancel) is waited for.
 */
import {
  destVersion,
  docKeyString,
  journalRowsInPhases,
  setPhase,
  sourceVersion,
  switchMetadata,
  toDestination,
  type JournalRow,
  type MetadataSwitch,
} from '../catalog';
import type { ObjectStoreDriver } from '../drivers/types';
import type { MigrationInput } from '../shared/migration';
import { activityControls, assertSameCatalog } from './context';
import type { ActivityDeps } from './deps';
import { commitPerPage } from './page-fence';
import { removeUnswitchedBatch } from './unswitched-copies';
import { deleteUnpointedCopies } from './unpointed-copies';
import type { PoolClient } from 'pg';

/** What one batch did; `remaining` false when nothing is left to roll back. */
export interface RollbackCounts {
  readonly restored: number;
  readonly removed: number;
  readonly sourceMissing: number;
  readonly remaining: boolean;
}

async function existing(
  driver: ObjectStoreDriver,
  urls: string[],
  signal?: AbortSignal,
): Promise<Set<string>> {
  if (driver.statMany) return new Set((await driver.statMany(urls, { signal })).keys());
  return new Set((await driver.getMany(urls, { signal })).keys());
}

export function createRollbackBatch(deps: ActivityDeps) {
  return async function rollbackBatch(input: MigrationInput, limit: number): Promise<RollbackCounts> {
    assertSameCatalog(deps, input);
    const { signal } = activityControls();
    const source = deps.drivers.driverFor(input.from);
    const dest = deps.drivers.driverFor(input.to);
    // A kept source (its delete refused) is still there to point back at, as with --nodelete.
    const switched = await journalRowsInPhases(deps.pool, input.taskId, ['switched', 'kept'], limit);
    if (switched.length > 0) {
      const present = await existing(
        source,
        switched.map((r) => r.source_url),
        signal,
      );
      const gone = (r: JournalRow): boolean => !present.has(r.source_url);
      const restored = (
        await commitPerPage(deps, input, switched, (client, rows) =>
          switchBack(
            client,
            input,
            dest,
            rows.filter((r) => !gone(r)),
            rows.filter(gone),
            signal,
          ),
        )
      ).flat();
      return {
        restored: restored.length,
        removed: restored.length,
        sourceMissing: switched.filter(gone).length,
        remaining: true,
      };
    }
    const removal = await removeUnswitchedBatch(deps, input, dest, limit, signal);
    return { restored: 0, removed: removal.removed, sourceMissing: 0, remaining: removal.remaining };
  };
}

/** The metadata switch that points a journaled document back at its source, as it was before the migration. */
function toSource(r: JournalRow): MetadataSwitch {
  return { ...toDestination(r), from: destVersion(r), to: sourceVersion(r) };
}

/**
 * Metadata back to the sources (compare-and-swap on the copy's whole version: a row Anchore rewrote at the
 * destination keeps its newer version), the restored copies deleted and the journal to `rolled_back`, in one
 * transaction (the caller's, under the page's fence); returns the rows restored.
 */
async function switchBack(
  client: PoolClient,
  input: MigrationInput,
  dest: ObjectStoreDriver,
  restorable: JournalRow[],
  missing: JournalRow[],
  signal?: AbortSignal,
): Promise<JournalRow[]> {
  const back = await switchMetadata(client, restorable.map(toSource));
  const done = new Set(back.map(docKeyString));
  const restored = restorable.filter((r) => done.has(docKeyString(r)));
  await deleteUnpointedCopies(client, dest, restored, signal);
  await setPhase(client, input.taskId, restored, 'rolled_back');
  await setPhase(
    client,
    input.taskId,
    restorable.filter((r) => !done.has(docKeyString(r))),
    'failed',
    {
      code: 'rollback_metadata_changed',
      message:
        'archive_metadata no longer holds the copied version (rewritten or moved since); left as it is',
    },
  );
  await setPhase(client, input.taskId, missing, 'failed', {
    code: 'rollback_source_missing',
    message: 'the source is gone; the document stays at the destination',
  });
  return restored;
}
