/** Helpers every activity uses: the catalog check, cancellation and heartbeats. */
import { setMaxListeners } from 'node:events';
import { Context } from '@temporalio/activity';
import type { MigrationInput } from '../shared/migration';
import type { ActivityDeps } from './deps';
import { CatalogMismatchError } from './failures';

/** Refuses work planned against another catalog than the worker's. */
export function assertSameCatalog(deps: ActivityDeps, input: MigrationInput): void {
  if (input.catalogFingerprint !== deps.fingerprint) {
    throw new CatalogMismatchError(
      `migration ${input.taskId} was planned against catalog ${input.catalogFingerprint}, but this worker is ` +
        `connected to catalog ${deps.fingerprint}: start the worker with the same --db-connect as the CLI`,
    );
  }
}

/** The running activity's cancellation signal and a heartbeat function (no-ops outside an activity). */
export function activityControls(): { signal?: AbortSignal; heartbeat: (details: unknown) => void } {
  try {
    const ctx = Context.current();
    // One signal serves every request of a page (dozens in parallel): not a listener leak.
    setMaxListeners(0, ctx.cancellationSignal);
    return { signal: ctx.cancellationSignal, heartbeat: (d) => ctx.heartbeat(d) };
  } catch {
    return { heartbeat: () => undefined };
  }
}
