/**
 * compactJournal: after finish, moves the ended migration's rows of deleted sources out of the journal and gives
 * their space back to the database (catalog/compaction.ts, docs/adr/0008). What it could not give back it logs,
 * with what the operator may do; the migration's outcome is already written and does not depend on it.
 */
import { compactMovedRows, type Compaction } from '../catalog';
import type { MigrationInput } from '../shared/migration';
import { activityControls, assertSameCatalog } from './context';
import type { ActivityDeps } from './deps';

export function createCompactJournal(deps: ActivityDeps) {
  return async function compactJournal(input: MigrationInput): Promise<Compaction> {
    assertSameCatalog(deps, input);
    const { heartbeat } = activityControls();
    const done = await compactMovedRows(deps.pool, input.taskId, (moved) =>
      heartbeat({ stage: 'compact', moved }),
    );
    if (done.moved > 0 && !done.spaceReturned)
      deps.log.warn(`journal compacted, its space kept: ${done.why}`, {
        taskId: input.taskId,
        moved: done.moved,
      });
    return done;
  };
}
