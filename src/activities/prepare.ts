/**
 * prepare: creates the journal, self-checks both drivers (write/read/delete a probe), re-checks the location
 * guard against the drivers as the worker resolved them, refuses while anchore-manager's own migration runs, and
 * counts what the selection holds. No documents. What the source's deletes will do (S3 versioning, Object Lock)
 * goes to the worker's log, as plan and migrate print it.
 */
import {
  catalogEpochSeconds,
  countSelection,
  createStageIndex,
  dropStageIndex,
  ensureJournal,
} from '../catalog';
import { hostname } from 'node:os';
import { checkPrivileges, migrationNeeds } from '../catalog/privileges';
import { sourceDeleteNotes } from '../drivers/delete-notes';
import type { MigrationInput, PrepareResult } from '../shared/migration';
import { activityControls, assertSameCatalog } from './context';
import type { ActivityDeps } from './deps';
import { checkLocations, checkNoAnchoreMigration } from '../catalog/guards';
import { markSharedStores } from './shared-stores';

export function createPrepare(deps: ActivityDeps) {
  return async function prepare(input: MigrationInput): Promise<PrepareResult> {
    assertSameCatalog(deps, input);
    const { signal } = activityControls();
    // This worker's own role, which may not be the CLI's: refused before the probes write anything.
    const drivers = [input.from.storage_driver.name, input.to.storage_driver.name];
    await checkPrivileges(deps.pool, `the worker on ${hostname()}`, migrationNeeds(drivers));
    await ensureJournal(deps.pool);
    const source = deps.drivers.driverFor(input.from);
    const dest = deps.drivers.driverFor(input.to);
    checkLocations(input.selection.sourcePrefix, dest.location);
    await checkNoAnchoreMigration(deps.pool);
    // Directories are not created here (only by check): the marker below must land in the shared one.
    await source.selfCheck({ signal, createDataDir: false });
    await dest.selfCheck({ signal, createDataDir: false });
    await markSharedStores(deps, input);
    if (!input.nodelete && source.describeDeletes) {
      const fields = { taskId: input.taskId, source: input.selection.sourcePrefix };
      for (const n of sourceDeleteNotes(await source.describeDeletes({ signal }), false)) {
        if (n.attention) deps.log.warn(n.text, fields);
        else deps.log.info(n.text, fields);
      }
    }
    // The staging index serves staging passes only; the cutover (and any later migration) drops it before it
    // switches rows, each of which would otherwise also update the index.
    if (!input.stage) await dropStageIndex(deps.pool);
    if (input.stage) {
      const refused = await createStageIndex(deps.pool);
      if (refused)
        deps.log.warn(
          `cannot index archive_metadata.last_updated (${refused}): each staging pass reads the whole table`,
          { taskId: input.taskId },
        );
    }
    const catalogTime = await catalogEpochSeconds(deps.pool);
    const buckets = await countSelection(deps.pool, input.selection);
    return {
      catalogTime,
      total: buckets.reduce((n, b) => n + b.documents, 0),
      totalBytes: buckets.reduce((n, b) => n + b.bytes, 0),
      buckets,
    };
  };
}
