/**
 * Removing a migration's copies that no row was switched to, a batch at a time under each page's fence: for the
 * clean-up after a cancel or a fatal stop (removeUnswitchedCopies) and for rollback. A copy a metadata row
 * points at is kept (copy_in_use).
 */
import { journalRowsInPhases, setPhase, type JournalRow } from '../catalog';
import type { ObjectStoreDriver } from '../drivers/types';
import type { MigrationInput } from '../shared/migration';
import type { ActivityDeps } from './deps';
import { commitPerPage } from './page-fence';
import { COPY_IN_USE, deleteUnpointedCopies } from './unpointed-copies';

/** Journal phases of a document whose copy exists and no row was switched to (`staged`: a staged migration's). */
export const UNSWITCHED = ['copied', 'stale', 'verified', 'staged'] as const;

/** What one batch removed; `remaining` false once no unswitched copy is left. */
export interface RemovedCopies {
  readonly removed: number;
  readonly remaining: boolean;
}

/** Removes the copies of up to `limit` unswitched rows, journaling them `rolled_back`. */
export async function removeUnswitchedBatch(
  deps: ActivityDeps,
  input: MigrationInput,
  dest: ObjectStoreDriver,
  limit: number,
  signal?: AbortSignal,
): Promise<RemovedCopies> {
  const rows: JournalRow[] = await journalRowsInPhases(deps.pool, input.taskId, UNSWITCHED, limit);
  if (rows.length === 0) return { removed: 0, remaining: false };
  const removed = await commitPerPage(deps, input, rows, async (client, pageRows, fence) => {
    fence.assertHeld();
    const r = await deleteUnpointedCopies(client, dest, pageRows, signal);
    // A staged migration's row found by a delta pass has no copy yet: nothing to remove.
    await setPhase(
      client,
      input.taskId,
      [...r.deleted, ...pageRows.filter((x) => x.dest_url === null)],
      'rolled_back',
    );
    await setPhase(client, input.taskId, r.inUse, 'rolled_back', COPY_IN_USE);
    return r.deleted.length;
  });
  return { removed: removed.reduce((a, b) => a + b, 0), remaining: true };
}
