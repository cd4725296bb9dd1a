/** Helpers every activity uses: the catalog check, cancellation and heartbeats. */
import { setMaxListeners } from 'node:events';
import { Context } from '@temporalio/activity';
import type { MigrationInput } from '../shared/migration';
import type { ActivityDeps } from './deps';
import { CatalogMismatchError } from '../errors';

/** Refuses work planned against another catalog than the worker's. */
export function assertSameCatalog(deps: ActivityDeps, input: MigrationInput): void {
  if (input.catalogFingerprint !== deps.fingerprint) {
    throw new CatalogMismatchError(
      `migration ${input.taskId} was planned against catalog ${input.catalogFingerprint}, but this worker is ` +
        `connected to catalog ${deps.fingerprint}: start the worker with the same --db-connect as the CLI`,
    );
  }
}

const lastDetails = new WeakMap<Context, unknown>();

function currentContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined; // called outside an activity (unit tests)
  }
}

/** The running activity's cancellation signal and a heartbeat function (no-ops outside an activity). */
export function activityControls(): { signal?: AbortSignal; heartbeat: (details: unknown) => void } {
  const ctx = currentContext();
  if (!ctx) return { heartbeat: () => undefined };
  // One signal serves every request of a page (dozens in parallel): not a listener leak.
  setMaxListeners(0, ctx.cancellationSignal);
  return {
    signal: ctx.cancellationSignal,
    heartbeat: (d) => {
      lastDetails.set(ctx, d);
      ctx.heartbeat(d);
    },
  };
}

/**
 * Heartbeats every few seconds (repeating the last details) until the returned function is called, so a stage
 * that takes long between its own heartbeats is not mistaken for a dead worker, while a dead worker is noticed
 * within the preset's short heartbeatTimeout.
 */
export function keepHeartbeating(intervalMs = 5_000): () => void {
  const ctx = currentContext();
  if (!ctx) return () => undefined;
  const timer = setInterval(() => ctx.heartbeat(lastDetails.get(ctx)), intervalMs);
  return () => clearInterval(timer);
}

/** Heartbeat details the previous attempt of the running activity left (undefined on a first attempt). */
export function previousHeartbeat<T>(): T | undefined {
  return currentContext()?.info.heartbeatDetails as T | undefined;
}
