/** What an audit finds and reports. */

/** Problem codes, most to least severe for one metadata row; `orphan` is an object without a row. */
export const PROBLEM_CODES = [
  'missing',
  'unreadable',
  'size_mismatch',
  'digest_mismatch',
  'decompress_failed',
  'orphan',
] as const;
export type ProblemCode = (typeof PROBLEM_CODES)[number];

/**
 * Information the report holds besides problems. `other_location`: a row of the audited buckets that points at
 * another store (after a migration every row of the old store's buckets does). `anchore_unreadable_key`: a row
 * at the audited location whose key Anchore's driver cannot read back (anchore-storage.md §11.4): about the
 * key, not the stored bytes, which are checked like any other row's.
 */
export const INFORMATION_CODES = ['other_location', 'anchore_unreadable_key'] as const;
export type InformationCode = (typeof INFORMATION_CODES)[number];

/** What the report holds: problems and information. */
export type FindingCode = ProblemCode | InformationCode;

/** Whether a finding is a problem (counted, exit code 6) rather than information. */
export const isProblemCode = (code: FindingCode): code is ProblemCode =>
  (PROBLEM_CODES as readonly string[]).includes(code);

/** One finding; a row of the report. Orphans whose URI names no document have empty key fields. */
export interface AuditProblem {
  readonly code: FindingCode;
  readonly userId: string;
  readonly bucket: string;
  readonly archiveId: string;
  readonly url: string;
  readonly detail: string;
}

/** How rows are checked: metadata calls where the backend has them (`default`), or reading every body. */
export type AuditMode = 'default' | 'full';

/** Rows of the audited buckets that point at another location, per location prefix. */
export interface OtherLocationCount {
  readonly prefix: string;
  readonly rows: number;
}

/** The outcome of an audit. */
export interface AuditSummary {
  readonly location: string;
  readonly driver: string;
  readonly mode: AuditMode;
  /** `stat`: size (and md5 where the backend reports it) from metadata calls; `read`: bodies read and hashed. */
  readonly method: 'stat' | 'read';
  readonly rowsChecked: number;
  readonly objectsListed: number;
  /** False when the driver cannot list its backend, so orphans were not looked for. */
  readonly orphansChecked: boolean;
  readonly otherLocations: readonly OtherLocationCount[];
  /** Rows at the location whose key Anchore's driver cannot read back (information, not a problem). */
  readonly anchoreUnreadableKeys: number;
  readonly problems: Readonly<Record<ProblemCode, number>>;
  readonly problemsTotal: number;
  readonly clean: boolean;
  readonly durationMs: number;
}

/** Counters a progress display reads while the audit runs. */
export interface AuditProgress {
  rowsTotal: number;
  rowsChecked: number;
  objectsListed: number;
  problems: number;
  phase: 'rows' | 'orphans' | 'other locations' | 'done';
}
