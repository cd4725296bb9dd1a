/**
 * The journal's shape: its DDL, its phases and the transitions between them, and its rows as statements read
 * (JournalRow) and as copy writes them (JournalEntry). The statements are in journal.ts; docs/journal.md explains
 * the phases.
 */
import type { MovedBytes } from '../shared/migration';
import { selectList } from '../sql/columns';
import type { MetadataSwitch, StoredVersion } from './pages';

/** Idempotent DDL of our tables; never touches Anchore's. */
export const JOURNAL_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS objectstorage_journal (
  task_id INTEGER NOT NULL,
  bucket VARCHAR NOT NULL,
  "archiveId" VARCHAR NOT NULL,
  "userId" VARCHAR NOT NULL,
  "documentName" VARCHAR NOT NULL,
  page INTEGER NOT NULL,
  phase VARCHAR NOT NULL,
  source_url VARCHAR NOT NULL,
  source_digest VARCHAR,
  source_size BIGINT,
  source_compressed BOOLEAN,
  dest_url VARCHAR,
  dest_digest VARCHAR,
  dest_size BIGINT,
  dest_compressed BOOLEAN,
  error_code VARCHAR,
  error_message VARCHAR,
  attempts INTEGER NOT NULL DEFAULT 1,
  copied_at TIMESTAMPTZ,
  verified_at TIMESTAMPTZ,
  switched_at TIMESTAMPTZ,
  deleted_at TIMESTAMPTZ,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (task_id, bucket, "archiveId", "userId", "documentName")
);
CREATE INDEX IF NOT EXISTS objectstorage_journal_page ON objectstorage_journal (task_id, page, phase);
CREATE INDEX IF NOT EXISTS objectstorage_journal_phase ON objectstorage_journal (task_id, phase);

CREATE TABLE IF NOT EXISTS objectstorage_migrations (
  task_id INTEGER PRIMARY KEY,
  workflow_id VARCHAR NOT NULL,
  state VARCHAR NOT NULL,
  catalog_fingerprint VARCHAR NOT NULL,
  input JSONB NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  ended_at TIMESTAMPTZ
);
ALTER TABLE objectstorage_migrations ADD COLUMN IF NOT EXISTS namespace VARCHAR;
ALTER TABLE objectstorage_migrations ADD COLUMN IF NOT EXISTS stop_reason VARCHAR;
ALTER TABLE objectstorage_migrations ADD COLUMN IF NOT EXISTS pruned_at TIMESTAMPTZ;
ALTER TABLE objectstorage_journal ADD COLUMN IF NOT EXISTS dest_checksum VARCHAR;
ALTER TABLE objectstorage_journal ADD COLUMN IF NOT EXISTS source_last_updated BIGINT;
`;

/**
 * Journal phases, in the order a document goes through them. `stale`: Anchore rewrote the source after it was
 * copied (before its switch, or after it and before the source delete); the document is copied again.
 * `staged`: a `stage` migration verified the copy and waits for the cutover to switch it (docs/adr/0006).
 */
export type JournalPhase =
  'copied' | 'stale' | 'verified' | 'staged' | 'switched' | 'deleted' | 'kept' | 'failed' | 'rolled_back';

/**
 * The journal's state machine: the phases a row may be in when it moves to each phase. Every update of a phase
 * is constrained to these predecessors, so an attempt that runs late can never move a row backwards (a late
 * copy cannot undo a switch, a late verify cannot fail what another attempt switched). docs/journal.md draws it.
 */
export const MOVES_TO: Readonly<Record<JournalPhase, readonly JournalPhase[]>> = {
  copied: ['copied', 'stale'],
  // A staged copy goes stale when a delta pass or the cutover finds its row changed (or new: a first copy).
  stale: ['copied', 'verified', 'staged', 'switched'],
  verified: ['copied'],
  staged: ['copied'],
  switched: ['copied', 'verified', 'staged'],
  deleted: ['switched'],
  // Migrated, but the source store refused its delete (Object Lock, a policy): the source is kept and reported.
  kept: ['switched'],
  failed: ['copied', 'stale', 'verified', 'staged', 'switched', 'kept'],
  rolled_back: ['copied', 'stale', 'verified', 'staged', 'switched', 'kept'],
};

/** A journal row as stored. */
export interface JournalRow {
  readonly task_id: number;
  readonly bucket: string;
  readonly archiveId: string;
  readonly userId: string;
  readonly documentName: string;
  readonly page: number;
  readonly phase: JournalPhase;
  readonly source_url: string;
  readonly source_digest: string | null;
  readonly source_size: number | null;
  readonly source_compressed: boolean | null;
  readonly dest_url: string | null;
  readonly dest_digest: string | null;
  readonly dest_size: number | null;
  readonly dest_compressed: boolean | null;
  /** The checksum the destination keeps for the copy (`sha256:<base64>`), where it keeps one. */
  readonly dest_checksum: string | null;
  readonly error_code: string | null;
  readonly error_message: string | null;
  readonly attempts: number;
}

/** The source version the journal recorded for a document: what its metadata row held when it was copied. */
export function sourceVersion(r: JournalRow): StoredVersion {
  return {
    url: r.source_url,
    digest: r.source_digest,
    size: r.source_size,
    isCompressed: r.source_compressed,
  };
}

/** The version of a document's copy as the journal recorded it (only for rows that have a copy). */
export function destVersion(r: JournalRow): StoredVersion {
  return {
    url: r.dest_url as string,
    digest: r.dest_digest,
    size: r.dest_size,
    isCompressed: r.dest_compressed === true,
  };
}

/** The metadata switch that points a journaled document at its verified copy. */
export function toDestination(r: JournalRow): MetadataSwitch {
  return {
    bucket: r.bucket,
    archiveId: r.archiveId,
    userId: r.userId,
    documentName: r.documentName,
    from: sourceVersion(r),
    to: destVersion(r),
  };
}

/** The bytes of documents moved, from what the journal recorded of both ends (see MovedBytes). */
export function movedBytes(rows: readonly JournalRow[]): MovedBytes {
  let source = 0;
  let dest = 0;
  let logical = 0;
  let logicalUnknown = 0;
  for (const r of rows) {
    source += r.source_size ?? 0;
    dest += r.dest_size ?? 0;
    if (r.source_compressed !== true && r.source_size !== null) logical += r.source_size;
    else if (r.dest_compressed !== true && r.dest_size !== null) logical += r.dest_size;
    else logicalUnknown++;
  }
  return { source, dest, logical, logicalUnknown };
}

/** Columns the journal fills in itself when an entry is recorded. */
type AssignedByJournal = 'task_id' | 'page' | 'attempts';
/** Columns of an outcome: the copy's only when there is one, the error's only when the document failed. */
type OutcomeColumns =
  | 'phase'
  | 'dest_url'
  | 'dest_digest'
  | 'dest_size'
  | 'dest_compressed'
  | 'dest_checksum'
  | 'error_code'
  | 'error_message';

/**
 * What copy writes for one document (copied or failed): a JournalRow with the same column names, without what
 * the journal fills in itself, and with its outcome's columns only where it has them.
 */
export interface JournalEntry extends Omit<JournalRow, AssignedByJournal | OutcomeColumns> {
  readonly phase: 'copied' | 'failed';
  /** The row's last_updated (epoch seconds) when it was read for the copy: what a delta pass compares after. */
  readonly source_last_updated?: number | null;
  readonly dest_url?: string;
  readonly dest_digest?: string;
  readonly dest_size?: number;
  readonly dest_compressed?: boolean;
  readonly dest_checksum?: string;
  readonly error_code?: string;
  readonly error_message?: string;
}

/** The journal's columns as JournalRow holds them; of the table aliased `t` when given. */
export function journalColumns(t?: string): string {
  return selectList(JOURNAL_COLUMNS, SIZE_COLUMNS, t);
}

const JOURNAL_COLUMNS = [
  'task_id',
  'bucket',
  '"archiveId"',
  '"userId"',
  '"documentName"',
  'page',
  'phase',
  'source_url',
  'source_digest',
  'source_size',
  'source_compressed',
  'dest_url',
  'dest_digest',
  'dest_size',
  'dest_compressed',
  'dest_checksum',
  'error_code',
  'error_message',
  'attempts',
] as const;
const SIZE_COLUMNS: ReadonlySet<string> = new Set(['source_size', 'dest_size']);
