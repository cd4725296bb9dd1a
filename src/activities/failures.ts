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

/** Per-document failure codes written to the journal. */
export type DocumentErrorCode =
  | 'source_missing'
  | 'digest_mismatch'
  | 'size_mismatch'
  | 'corrupt_source'
  | 'bad_document_name'
  | 'bad_content_url'
  | 'source_rejected'
  | 'dest_rejected'
  | 'verify_mismatch'
  | 'metadata_changed'
  | 'page_failed';

/** Maps a read/decode error of one document to its journal code. */
export function documentErrorCode(err: unknown): DocumentErrorCode | undefined {
  switch ((err as Error)?.name) {
    case 'DigestMismatchError':
      return 'digest_mismatch';
    case 'DecompressionError':
      return 'corrupt_source';
    case 'ObjectKeyNotFoundError':
      return 'source_missing';
    default:
      return undefined;
  }
}
