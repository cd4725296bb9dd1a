/**
 * removeUnswitchedCopies: after a cancel or a fatal stop, removes this migration's copies that no row was
 * switched to (pages set aside when it stopped), a batch at a time, under each page's fence, so none outlives
 * the run as an orphan. A copy a metadata row points at is kept. Whatever could not be removed stays journaled
 * (copied, stale or verified); finish reports how many, and `audit` of the destination lists them as orphans.
 */
import type { MigrationInput } from '../shared/migration';
import type { ActivityDeps } from './deps';
import { activityControls, assertSameCatalog } from './context';
import { removeUnswitchedBatch, type RemovedCopies } from './unswitched-copies';

export function createRemoveUnswitchedCopies(deps: ActivityDeps) {
  return async function removeUnswitchedCopies(input: MigrationInput, limit: number): Promise<RemovedCopies> {
    assertSameCatalog(deps, input);
    const { signal } = activityControls();
    return removeUnswitchedBatch(deps, input, deps.drivers.driverFor(input.to), limit, signal);
  };
}
