/**
 * Guards that refuse a migration before anything is written. The CLI runs them for a fast answer (exit 3);
 * `prepare` runs the location guard again on the worker, against the drivers it actually resolved.
 */
import type { Pool } from 'pg';
import { anchoreMigrationHolder } from './anchore-lock';
import { laterMigrationsThatSwitched } from './migrations';
import { liveServices } from './services';
import { GuardRefusedError } from '../errors';

/** Source and destination must be different locations, and neither may contain the other. */
export function checkLocations(sourcePrefix: string, destLocation: string): void {
  if (sourcePrefix === destLocation) {
    throw new GuardRefusedError(
      `source and destination are the same location (${sourcePrefix}): nothing to migrate. Check the two configs.`,
    );
  }
  if (destLocation.startsWith(sourcePrefix) || sourcePrefix.startsWith(destLocation)) {
    throw new GuardRefusedError(
      `source location ${sourcePrefix} and destination location ${destLocation} overlap: migrated documents would ` +
        'be selected again. Use a bucket or prefix that is not inside the other one.',
    );
  }
}

/** Anchore services that still heartbeat may write documents while we move them. */
export async function checkAnchoreOffline(pool: Pool, force: boolean): Promise<void> {
  if (force) return;
  const live = await liveServices(pool);
  if (live.length === 0) return;
  const names = live.map((s) => `${s.servicename}@${s.hostid}`).join(', ');
  throw new GuardRefusedError(
    `Anchore services are still running (heartbeat in the last 5 minutes): ${names}. Stop all Anchore services ` +
      'before migrating, as anchore-manager requires, or pass --force if you are sure they do not write documents.',
  );
}

/** anchore-manager's own migration must not run beside ours (it holds its migration lock while it runs). */
export async function checkNoAnchoreMigration(pool: Pool): Promise<void> {
  const holder = await anchoreMigrationHolder(pool);
  if (!holder) return;
  throw new GuardRefusedError(
    `anchore-manager objectstorage migrate is running on this catalog (${holder} holds its migration lock, ` +
      'advisory lock 2,1). Wait for it to end, or stop it, before starting another migration.',
  );
}

/** Rollback acts only on documents no later migration moved again (issue 20, scenario 1's re-run). */
export async function checkRollbackAllowed(pool: Pool, taskId: number): Promise<void> {
  const later = await laterMigrationsThatSwitched(pool, taskId);
  if (later.length > 0) {
    throw new GuardRefusedError(
      `documents of migration ${taskId} were migrated again since by migration(s) ${later.join(', ')}: rolling ` +
        `${taskId} back would undo their work. Roll back the latest one first, or leave ${taskId} as it is.`,
    );
  }
}
