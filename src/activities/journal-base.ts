/** The journal fields every copy outcome of a document shares: its key and what its source was. */
import type { ArchiveMetadataRow, JournalEntry } from '../catalog';

export type JournalBase = Omit<
  JournalEntry,
  'phase' | 'dest_url' | 'dest_digest' | 'dest_size' | 'dest_compressed'
>;

export function journalBase(row: ArchiveMetadataRow): JournalBase {
  return {
    bucket: row.bucket,
    archiveId: row.archiveId,
    userId: row.userId,
    documentName: row.documentName,
    source_url: row.content_url as string,
    source_digest: row.digest,
    source_size: row.size,
    source_compressed: row.is_compressed,
    source_last_updated: row.last_updated,
  };
}

/** A document given up at copy time: journaled `failed`, its source untouched. */
export function failedEntry(row: ArchiveMetadataRow, code: string, message: string): JournalEntry {
  return { ...journalBase(row), phase: 'failed', error_code: code, error_message: message };
}

/** Anchore names a document `<archiveId>.json`; anything else is not a row this tool may move. */
export function badDocumentName(row: ArchiveMetadataRow): JournalEntry | undefined {
  return row.documentName === `${row.archiveId}.json`
    ? undefined
    : failedEntry(row, 'bad_document_name', `documentName ${row.documentName} is not archiveId + ".json"`);
}
