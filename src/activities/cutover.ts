/**
 * The cutover of a staged migration (docs/adr/0006), with Anchore stopped: switchStaged points every staged
 * row at its verified copy in bulk (compare-and-swap on the staged source version; a row changed since is
 * settled, never switched to a stale copy), a range of pages at a time; deleteSwitched then deletes the sources
 * of switched rows the way deletePage does. Both walk the journal by page index and report counts only.
 */
import {
  addToTaskCount,
  docKeyString,
  journalRowsOfPages,
  movedBytes,
  setPhase,
  switchMetadata,
  toDestination,
} from '../catalog';
import type { MigrationInput, MovedBytes } from '../shared/migration';
import { activityControls, assertSameCatalog } from './context';
import { deleteSourcesOf, type DeleteCounts } from './source-deletes';
import type { ActivityDeps } from './deps';
import { commitAcrossPages, commitPerPage } from './page-fence';
import { settleChangedRows, type Settled } from './settle-changed';

/** What one batch of the bulk switch did. */
export interface SwitchedBatch extends Settled {
  readonly switched: number;
  readonly bytes: MovedBytes;
}

const NO_BYTES: MovedBytes = { source: 0, dest: 0, logical: 0, logicalUnknown: 0 };
/** The sum of two byte counts. */
const addBytes = (a: MovedBytes, b: MovedBytes | undefined): MovedBytes => ({
  source: a.source + (b?.source ?? 0),
  dest: a.dest + (b?.dest ?? 0),
  logical: a.logical + (b?.logical ?? 0),
  logicalUnknown: a.logicalUnknown + (b?.logicalUnknown ?? 0),
});

/**
 * Switches the staged rows of pages `from` to `to` (exclusive) in one transaction under all their fences: per
 * page, the transactions alone made most of the offline window.
 */
export function createSwitchStaged(deps: ActivityDeps) {
  return async function switchStaged(
    input: MigrationInput,
    pages: { from: number; to: number },
  ): Promise<SwitchedBatch> {
    assertSameCatalog(deps, input);
    const { signal } = activityControls();
    const dest = deps.drivers.driverFor(input.to);
    const rows = await journalRowsOfPages(deps.pool, input.taskId, pages.from, pages.to, 'staged');
    if (rows.length === 0) return { switched: 0, bytes: NO_BYTES, stale: 0, dropped: 0, failed: 0 };
    return commitAcrossPages(deps, input, rows, async (client, all, fence) => {
      const switched = new Set((await switchMetadata(client, all.map(toDestination))).map(docKeyString));
      const moved = all.filter((r) => switched.has(docKeyString(r)));
      const n = await setPhase(client, input.taskId, moved, 'switched');
      if (input.nodelete) await addToTaskCount(client, input.taskId, n);
      const changed = all.filter((r) => !switched.has(docKeyString(r)));
      const settled = await settleChangedRows(client, input.taskId, dest, changed, fence, signal);
      return { ...settled, switched: moved.length, bytes: movedBytes(moved) };
    });
  };
}

export function createDeleteSwitched(deps: ActivityDeps) {
  return async function deleteSwitched(
    input: MigrationInput,
    pages: { from: number; to: number },
  ): Promise<DeleteCounts> {
    assertSameCatalog(deps, input);
    const { signal } = activityControls();
    const source = deps.drivers.driverFor(input.from);
    const rows = await journalRowsOfPages(deps.pool, input.taskId, pages.from, pages.to, 'switched');
    const done = await commitPerPage(deps, input, rows, (client, pageRows, fence) =>
      deleteSourcesOf(client, input, source, pageRows, fence, signal),
    );
    return done.reduce<DeleteCounts>(
      (sum, b) => ({
        deleted: sum.deleted + b.deleted,
        stale: sum.stale + b.stale,
        kept: (sum.kept ?? 0) + (b.kept ?? 0),
        bytes: addBytes(sum.bytes ?? NO_BYTES, b.bytes),
      }),
      { deleted: 0, stale: 0, kept: 0, bytes: NO_BYTES },
    );
  };
}
