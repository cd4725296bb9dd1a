/**
 * The cutover of a staged migration (docs/adr/0006), with Anchore stopped: switchStaged points every staged
 * row at its verified copy in bulk (compare-and-swap on the staged source version; a row changed since is
 * settled, never switched to a stale copy), a batch at a time under each page's fence; deleteSwitched then
 * deletes the sources of switched rows the way deletePage does. Both report counts only.
 */
import {
  addToTaskCount,
  docKeyString,
  journalRowsInPhases,
  movedBytes,
  setPhase,
  switchMetadata,
  toDestination,
} from '../catalog';
import type { MigrationInput, MovedBytes } from '../shared/migration';
import { activityControls, assertSameCatalog } from './context';
import { deleteSourcesOf, type DeleteCounts } from './delete-page';
import type { ActivityDeps } from './deps';
import { commitPerPage } from './page-fence';
import { settleChangedRows, type Settled } from './settle-changed';

/** What one batch of the bulk switch did; `remaining` false once no staged row is left. */
export interface SwitchedBatch extends Settled {
  readonly switched: number;
  readonly bytes: MovedBytes;
  readonly remaining: boolean;
}

/** One batch of deletes after the switch; `remaining` false once no switched row is left. */
export interface DeletedBatch extends DeleteCounts {
  readonly remaining: boolean;
}

const NO_BYTES: MovedBytes = { source: 0, dest: 0, logical: 0, logicalUnknown: 0 };
const addBytes = (a: MovedBytes, b: MovedBytes | undefined): MovedBytes => ({
  source: a.source + (b?.source ?? 0),
  dest: a.dest + (b?.dest ?? 0),
  logical: a.logical + (b?.logical ?? 0),
  logicalUnknown: a.logicalUnknown + (b?.logicalUnknown ?? 0),
});

export function makeSwitchStaged(deps: ActivityDeps) {
  return async function switchStaged(input: MigrationInput, limit: number): Promise<SwitchedBatch> {
    assertSameCatalog(deps, input);
    const { signal } = activityControls();
    const dest = deps.drivers.driverFor(input.to);
    const rows = await journalRowsInPhases(deps.pool, input.taskId, ['staged'], limit);
    const done = await commitPerPage(deps, input, rows, async (client, pageRows, fence) => {
      const switched = new Set((await switchMetadata(client, pageRows.map(toDestination))).map(docKeyString));
      const moved = pageRows.filter((r) => switched.has(docKeyString(r)));
      const n = await setPhase(client, input.taskId, moved, 'switched');
      if (input.nodelete) await addToTaskCount(client, input.taskId, n);
      const changed = pageRows.filter((r) => !switched.has(docKeyString(r)));
      const settled = await settleChangedRows(client, input.taskId, dest, changed, fence, signal);
      return { ...settled, switched: moved.length, bytes: movedBytes(moved) };
    });
    return done.reduce<SwitchedBatch>(
      (sum, b) => ({
        switched: sum.switched + b.switched,
        bytes: addBytes(sum.bytes, b.bytes),
        stale: sum.stale + b.stale,
        dropped: sum.dropped + b.dropped,
        failed: sum.failed + b.failed,
        remaining: true,
      }),
      { switched: 0, bytes: NO_BYTES, stale: 0, dropped: 0, failed: 0, remaining: rows.length > 0 },
    );
  };
}

export function makeDeleteSwitched(deps: ActivityDeps) {
  return async function deleteSwitched(input: MigrationInput, limit: number): Promise<DeletedBatch> {
    assertSameCatalog(deps, input);
    const { signal } = activityControls();
    const source = deps.drivers.driverFor(input.from);
    const rows = await journalRowsInPhases(deps.pool, input.taskId, ['switched'], limit);
    const done = await commitPerPage(deps, input, rows, (client, pageRows, fence) =>
      deleteSourcesOf(client, input, source, pageRows, fence, signal),
    );
    return done.reduce<DeletedBatch>(
      (sum, b) => ({
        deleted: sum.deleted + b.deleted,
        stale: sum.stale + b.stale,
        kept: (sum.kept ?? 0) + (b.kept ?? 0),
        bytes: addBytes(sum.bytes ?? NO_BYTES, b.bytes),
        remaining: true,
      }),
      { deleted: 0, stale: 0, kept: 0, bytes: NO_BYTES, remaining: rows.length > 0 },
    );
  };
}
