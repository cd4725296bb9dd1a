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
 * What the report holds: problems, and `other_location`, a row of the audited buckets that points at another
 * store. That is information, not a problem: after a migration every row of the old store's buckets does.
 */
export type FindingCode = ProblemCode | 'other_location';

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
