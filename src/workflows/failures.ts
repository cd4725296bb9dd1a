/** Reading activity failures in the workflow: permanent ones stop the migration, the rest are retried later. */
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';

/** True when the activity failed with a non-retryable error (bad credentials, missing bucket, …). */
export function isPermanentFailure(err: unknown): boolean {
  return (
    err instanceof ActivityFailure &&
    err.cause instanceof ApplicationFailure &&
    err.cause.nonRetryable === true
  );
}

/** `Name: message` of the root cause, for the journal, the result and the UI. Never contains secrets. */
export function failureMessage(err: unknown): string {
  let e: unknown = err;
  while (e instanceof ActivityFailure && e.cause) e = e.cause;
  if (e instanceof ApplicationFailure) return `${e.type ?? 'Error'}: ${e.message}`;
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
