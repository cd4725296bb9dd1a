/**
 * finish: writes the outcome to the Anchore task row and our registry. `complete` only when every selected
 * document reached its final phase (or was deleted by Anchore meanwhile: no row of the selection is left at the
 * source); otherwise `failed`, with counts and the journal saying exactly which.
 */
import {
  dropStageIndex,
  phaseCounts,
  selectionLeftAtSource,
  setMigrationState,
  updateMigrationTask,
} from '../catalog';
import { scrubSecrets } from '../config';
import type { Counters, MigrationInput, MigrationResult } from '../shared/migration';
import { assertSameCatalog } from './context';
import type { ActivityDeps } from './deps';
import { unmarkSharedStores } from './shared-stores';

export function createFinish(deps: ActivityDeps) {
  return async function finish(
    input: MigrationInput,
    counters: Counters,
    outcome: { cancelled: boolean; error?: string },
  ): Promise<MigrationResult> {
    assertSameCatalog(deps, input);
    await unmarkSharedStores(deps, input);
    // A staged migration's index on Anchore's table goes with it (it runs alone on the catalog).
    await dropStageIndex(deps.pool);
    const phases = await phaseCounts(deps.pool, input.taskId);
    // A kept source (its delete refused) is a migrated document: its row points at the copy.
    const migrated = input.nodelete ? phases.switched : phases.deleted + phases.kept;
    const unswitched = phases.copied + phases.stale + phases.verified + phases.staged;
    const complete =
      !outcome.cancelled &&
      !outcome.error &&
      phases.failed === 0 &&
      // Fewer than counted: documents Anchore deleted meanwhile have no row left to move, which is no failure.
      (migrated >= counters.total || !(await selectionLeftAtSource(deps.pool, input.selection)));
    const state = complete ? 'complete' : 'failed';
    const stopReason = complete
      ? undefined
      : whyStopped(input.taskId, outcome, phases.failed, migrated, counters);
    // Our registry first: whoever sees the Anchore task row end also sees why it ended (cancelled or not).
    await setMigrationState(deps.pool, input.taskId, outcome.cancelled ? 'cancelled' : state, stopReason);
    // What was selected when the work was counted last (a staged migration's cutover counts again).
    await updateMigrationTask(deps.pool, input.taskId, {
      documentsMigrated: migrated,
      state,
      ...(counters.total > 0 ? { documentsToMigrate: counters.total } : {}),
    });
    return {
      taskId: input.taskId,
      state,
      cancelled: outcome.cancelled,
      counters: { ...counters, migrated, failed: phases.failed },
      ...(unswitched > 0 ? { unswitchedCopies: unswitched } : {}),
      ...(outcome.error ? { error: outcome.error } : {}),
      ...(stopReason ? { stopReason } : {}),
    };
  };
}

/** Why a migration did not complete, in the words status, list-migrations and the UI show. */
function whyStopped(
  taskId: number,
  outcome: { cancelled: boolean; error?: string },
  failed: number,
  migrated: number,
  counters: Counters,
): string {
  if (outcome.error) return scrubSecrets(outcome.error);
  if (outcome.cancelled)
    return 'cancelled by an operator (objectstorage cancel, or a cancel request in Temporal)';
  if (failed > 0)
    return `${failed} document(s) failed; objectstorage status ${taskId} --failures failures.csv lists them`;
  return `${counters.total - migrated} selected document(s) did not reach the destination`;
}
