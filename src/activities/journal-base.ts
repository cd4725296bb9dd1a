/** The journal fields every copy outcome of a document shares: its key and what its source was. */
import type { ArchiveMetadataRow, JournalEntry } from '../catalog';

export type JournalBase = Omit<
  JournalEntry,
  'phase' | 'destUrl' | 'destDigest' | 'destSize' | 'destCompressed'
>;

export function journalBase(row: ArchiveMetadataRow): JournalBase {
  return {
    bucket: row.bucket,
    archiveId: row.archiveId,
    userId: row.userId,
    documentName: row.documentName,
    sourceUrl: row.content_url as string,
    sourceDigest: row.digest,
    sourceSize: row.size,
    sourceCompressed: row.is_compressed,
    sourceLastUpdated: row.last_updated,
  };
}

/** A document given up at copy time: journaled `failed`, its source untouched. */
export function failedEntry(row: ArchiveMetadataRow, errorCode: string, errorMessage: string): JournalEntry {
  return { ...journalBase(row), phase: 'failed', errorCode, errorMessage };
}

/** Anchore names a document `<archiveId>.json`; anything else is not a row this tool may move. */
export function badDocumentName(row: ArchiveMetadataRow): JournalEntry | undefined {
  return row.documentName === `${row.archiveId}.json`
    ? undefined
    : failedEntry(row, 'bad_document_name', `documentName ${row.documentName} is not archiveId + ".json"`);
}
