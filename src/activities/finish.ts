/**
 * finish: writes the outcome to the Anchore task row and our registry. `complete` only when every selected
 * document reached its final phase; otherwise `failed`, with counts and the journal saying exactly which.
 */
import { phaseCounts, setMigrationState, updateMigrationTask } from '../catalog';
import type { Counters, MigrationInput, MigrationResult } from '../shared/migration';
import { assertSameCatalog } from './context';
import type { ActivityDeps } from './deps';

export function makeFinish(deps: ActivityDeps) {
  return async function finish(
    input: MigrationInput,
    counters: Counters,
    outcome: { cancelled: boolean; error?: string },
  ): Promise<MigrationResult> {
    assertSameCatalog(deps, input);
    const phases = await phaseCounts(deps.pool, input.taskId);
    const migrated = input.nodelete ? phases.switched : phases.deleted;
    const unswitched = phases.copied + phases.stale + phases.verified;
    const complete =
      !outcome.cancelled && !outcome.error && phases.failed === 0 && migrated >= counters.total;
    const state = complete ? 'complete' : 'failed';
    // Our registry first: whoever sees the Anchore task row end also sees why it ended (cancelled or not).
    await setMigrationState(deps.pool, input.taskId, outcome.cancelled ? 'cancelled' : state);
    await updateMigrationTask(deps.pool, input.taskId, { documentsMigrated: migrated, state });
    return {
      taskId: input.taskId,
      state,
      cancelled: outcome.cancelled,
      counters: { ...counters, migrated, failed: phases.failed },
      ...(unswitched > 0 ? { unswitchedCopies: unswitched } : {}),
      ...(outcome.error ? { error: outcome.error } : {}),
    };
  };
}
