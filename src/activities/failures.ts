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
