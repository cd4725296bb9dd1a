/**
 * How activity failures reach Temporal: errors that retrying cannot fix are non-retryable (their names are also
 * listed in the presets), everything else is retried with backoff.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { PERMANENT_ERROR_NAMES } from '../shared/errors';

/** Rethrows `err` as a non-retryable ApplicationFailure when retrying cannot help. Messages carry no secrets. */
export function asActivityFailure(err: unknown): unknown {
  const e = err as Error;
  if ((PERMANENT_ERROR_NAMES as readonly string[]).includes(e?.name)) {
    return ApplicationFailure.create({ type: e.name, message: e.message, nonRetryable: true, cause: e });
  }
  return err;
}
