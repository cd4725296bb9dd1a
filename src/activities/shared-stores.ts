/**
 * Every worker must see the same stores. For a store on a directory (localfs) a path does not prove it: prepare
 * leaves a marker there, page activities require it before they touch a document, finish removes it.
 */
import type { ObjectStoreDriver } from '../drivers/types';
import type { MigrationInput } from '../shared/migration';
import type { ActivityDeps } from './deps';

/** One marker per migration of a catalog. */
const markerId = (input: MigrationInput): string => `${input.catalogFingerprint}-${input.taskId}`;

function storesOf(deps: ActivityDeps, input: MigrationInput): ObjectStoreDriver[] {
  return [deps.drivers.driverFor(input.from), deps.drivers.driverFor(input.to)];
}

/** prepare: marks the stores this worker sees as the migration's. */
export async function markSharedStores(deps: ActivityDeps, input: MigrationInput): Promise<void> {
  if (!input.markSharedStores) return;
  for (const d of storesOf(deps, input)) await d.markShared?.(markerId(input));
}

/** Page activities: refuses (DataDirNotSharedError) a worker that sees other stores than prepare did. */
export async function assertSharedStores(deps: ActivityDeps, input: MigrationInput): Promise<void> {
  if (!input.markSharedStores) return;
  for (const d of storesOf(deps, input)) await d.checkShared?.(markerId(input));
}

/**
 * finish: the markers go. finish also ends migrations whose stores this worker cannot even build (a variable it
 * lacks stopped the migration): then the marker stays, which Anchore ignores, and finish still records the end.
 */
export async function unmarkSharedStores(deps: ActivityDeps, input: MigrationInput): Promise<void> {
  if (!input.markSharedStores) return;
  for (const store of [input.from, input.to]) {
    try {
      await deps.drivers.driverFor(store).unmarkShared?.(markerId(input));
    } catch {
      // best effort, as said above
    }
  }
}
