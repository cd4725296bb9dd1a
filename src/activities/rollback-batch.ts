/**
 * rollbackBatch: undoes one batch of a migration whose sources still exist. Switched documents are pointed back
 * at their source (compare-and-swap on the copy's URL, restoring the source's digest, size and compression flag)
 * in one transaction with the journal, then their copies are removed; copies that were never switched are just
 * removed. Documents whose source is gone stay at the destination and are journaled as failed.
 */
import {
  docKeyString,
  inTransaction,
  journalRowsInPhases,
  setPhase,
  switchMetadata,
  type JournalRow,
  type MetadataSwitch,
} from '../catalog';
import type { ObjectStoreDriver } from '../drivers/types';
import type { MigrationInput } from '../shared/migration';
import { activityControls, assertSameCatalog } from './context';
import type { ActivityDeps } from './deps';
import { toDestination } from './verify-page';

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

export function makeRollbackBatch(deps: ActivityDeps) {
  return async function rollbackBatch(input: MigrationInput, limit: number): Promise<RollbackCounts> {
    assertSameCatalog(deps, input);
    const { signal } = activityControls();
    const source = deps.drivers.driverFor(input.from);
    const dest = deps.drivers.driverFor(input.to);
    const switched = await journalRowsInPhases(deps.pool, input.taskId, ['switched'], limit);
    if (switched.length > 0) {
      const present = await existing(
        source,
        switched.map((r) => r.source_url),
        signal,
      );
      const restorable = switched.filter((r) => present.has(r.source_url));
      const missing = switched.filter((r) => !present.has(r.source_url));
      const restored = await switchBack(deps, input, restorable, missing);
      await dest.deleteMany(
        restored.map((r) => r.dest_url as string),
        { signal },
      );
      return {
        restored: restored.length,
        removed: restored.length,
        sourceMissing: missing.length,
        remaining: true,
      };
    }
    const unswitched = await journalRowsInPhases(deps.pool, input.taskId, ['copied', 'verified'], limit);
    if (unswitched.length > 0) {
      await dest.deleteMany(
        unswitched.map((r) => r.dest_url as string),
        { signal },
      );
      await setPhase(deps.pool, input.taskId, unswitched, 'rolled_back');
      return { restored: 0, removed: unswitched.length, sourceMissing: 0, remaining: true };
    }
    return { restored: 0, removed: 0, sourceMissing: 0, remaining: false };
  };
}

/** The metadata switch that points a journaled document back at its source, as it was before the migration. */
function toSource(r: JournalRow): MetadataSwitch {
  return {
    ...toDestination(r),
    sourceUrl: r.dest_url as string,
    destUrl: r.source_url,
    digest: r.source_digest as string,
    size: r.source_size as number,
    isCompressed: r.source_compressed === true,
  };
}

/** Metadata back to the sources and the journal to `rolled_back`, in one transaction; returns the rows restored. */
async function switchBack(
  deps: ActivityDeps,
  input: MigrationInput,
  restorable: JournalRow[],
  missing: JournalRow[],
): Promise<JournalRow[]> {
  return inTransaction(deps.pool, async (client) => {
    const back = await switchMetadata(client, restorable.map(toSource));
    const done = new Set(back.map(docKeyString));
    const restored = restorable.filter((r) => done.has(docKeyString(r)));
    await setPhase(client, input.taskId, restored, 'rolled_back');
    await setPhase(
      client,
      input.taskId,
      restorable.filter((r) => !done.has(docKeyString(r))),
      'failed',
      {
        code: 'rollback_metadata_changed',
        message: 'archive_metadata no longer points at the copy; left as it is',
      },
    );
    await setPhase(client, input.taskId, missing, 'failed', {
      code: 'rollback_source_missing',
      message: 'the source is gone; the document stays at the destination',
    });
    return restored;
  });
}
