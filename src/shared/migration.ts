/**
 * Workflow-safe types and constants of a migration: what the CLI puts in the workflow input, what activities
 * exchange with the workflow (page boundaries and counts — never documents, key lists or secrets), and the
 * names everything shares. Imports nothing but Temporal's common package.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Task queue of a catalog's migrations: workers of one catalog never receive another catalog's work, even when
 * several Anchore deployments share a Temporal namespace (docs/adr/0001).
 */
export function taskQueueFor(catalogFingerprint: string): string {
  return `anchore-objectstorage-${catalogFingerprint}`;
}

/**
 * Workflow id of a migration: the Anchore task id, qualified by the catalog's fingerprint because task ids
 * restart at 1 in every catalog and one Temporal namespace may serve several (docs/adr/0001).
 */
export function migrationWorkflowId(taskId: number, catalogFingerprint: string): string {
  return `anchore-objectstorage-migration-${catalogFingerprint}-${taskId}`;
}

/** Search attributes registered on the dev server by scripts/stack.sh (src/shared/search-attributes.json). */
export const SA = {
  taskId: defineSearchAttributeKey('AnchoreTaskId', SearchAttributeType.KEYWORD),
  phase: defineSearchAttributeKey('MigrationPhase', SearchAttributeType.KEYWORD),
  fromDriver: defineSearchAttributeKey('MigrationFromDriver', SearchAttributeType.KEYWORD),
  toDriver: defineSearchAttributeKey('MigrationToDriver', SearchAttributeType.KEYWORD),
  total: defineSearchAttributeKey('DocumentsTotal', SearchAttributeType.INT),
  migrated: defineSearchAttributeKey('DocumentsMigrated', SearchAttributeType.INT),
  failed: defineSearchAttributeKey('DocumentsFailed', SearchAttributeType.INT),
  // Doubles, not Ints: the dev server's SQLite visibility store has only 3 Int columns (used above).
  bytesTotal: defineSearchAttributeKey('BytesTotal', SearchAttributeType.DOUBLE),
  bytesMigrated: defineSearchAttributeKey('BytesMigrated', SearchAttributeType.DOUBLE),
} as const;

/**
 * A store config as it travels in workflow input: secret fields hold `${ANCHORE_*}` references or
 * `sealed:v1:` values only (config/secrets.ts builds and resolves it).
 */
export interface PortableStore {
  readonly compression: { readonly enabled: unknown; readonly min_size_kbytes: number };
  readonly storage_driver: { readonly name: string; readonly config: Readonly<Record<string, unknown>> };
}

/** Primary key of an archive_metadata row; also the keyset cursor. */
export interface DocKey {
  readonly bucket: string;
  readonly archiveId: string;
  readonly userId: string;
  readonly documentName: string;
}

/** Which archive_metadata rows a migration moves. */
export interface Selection {
  /** content_url prefix of the source location, e.g. `s3://bucket-a/anchore/` or `db://`. */
  readonly sourcePrefix: string;
  /** Only these logical buckets (`--bucket`); empty = all. */
  readonly buckets: readonly string[];
  /** Never these logical buckets (the analysis archive when moving the object store). */
  readonly excludeBuckets: readonly string[];
  /**
   * Only documents this migration (task id) switched to where they are now (`reverse ID`): another migration may
   * have put documents at the same location, and those are not this reverse's to move.
   */
  readonly movedBy?: number;
}

export type VerifyMode = 'head' | 'full';

/** Knobs an operator may change while the migration runs (`throttle`). */
export interface Throttle {
  /** Pages in flight at once. */
  readonly concurrency: number;
  /** Documents per second started, 0 = unlimited. */
  readonly maxDocsPerSecond: number;
  /** Stored bytes per second started, 0 = unlimited. */
  readonly maxBytesPerSecond: number;
}

/** Input of the migrateStore workflow. */
export interface MigrationInput {
  readonly taskId: number;
  /** Fingerprint of the catalog the CLI planned against; workers on another catalog refuse the work. */
  readonly catalogFingerprint: string;
  readonly from: PortableStore;
  readonly to: PortableStore;
  readonly selection: Selection;
  /** content_url prefix of the destination (what `reverse` selects). */
  readonly destLocation: string;
  /** The source / destination is an analysis_archive section (config block at the end; `reverse`). */
  readonly fromAnalysisArchive: boolean;
  readonly toAnalysisArchive: boolean;
  readonly nodelete: boolean;
  /** Also delete the migrated version behind each source's delete marker, in a versioned store. */
  readonly reclaimVersions?: boolean;
  readonly verify: VerifyMode;
  /** Documents per page at most. */
  readonly pageSize: number;
  /** Stored bytes per page at most (a larger document is a page of its own). */
  readonly pageBytes: number;
  /** Pages per workflow run before continue-as-new. */
  readonly pagesPerRun: number;
  readonly throttle: Throttle;
  /**
   * Re-check Anchore's service heartbeats at every planning step and pause when one is live (set unless --force).
   * Absent in migrations started before it was kept: those are not watched.
   */
  readonly watchAnchore?: boolean;
  /**
   * prepare leaves a marker in each store that lives on a directory (localfs) and every page activity requires it,
   * so a worker that sees another directory at the same path is refused. Absent in migrations started before it
   * was kept: their prepare wrote no marker, so none is required.
   */
  readonly markSharedStores?: boolean;
  /**
   * A staged migration (`objectstorage stage`, docs/adr/0006): copies and verifies while Anchore serves, never
   * switches or deletes, and keeps passing over what changed every `passEverySeconds` until `cutover`.
   */
  readonly stage?: { readonly passEverySeconds: number };
}

/** Whether two migrations move the same documents the same way (what re-running the same command would start). */
export function sameWork(a: MigrationInput, b: MigrationInput): boolean {
  const what = (i: MigrationInput): string =>
    JSON.stringify([
      i.selection.sourcePrefix,
      [...i.selection.buckets].sort(),
      [...i.selection.excludeBuckets].sort(),
      i.selection.movedBy ?? null,
      i.destLocation,
      i.fromAnalysisArchive,
      i.toAnalysisArchive,
      i.nodelete,
      i.stage !== undefined,
    ]);
  return what(a) === what(b);
}

/** A page: the rows after `after` (exclusive, undefined = from the start) up to `last` (inclusive). */
export interface PageBounds {
  readonly index: number;
  readonly after?: DocKey;
  readonly last: DocKey;
  readonly documents: number;
  readonly bytes: number;
  /** A delta page of a staged migration: its documents are the journal's `stale` rows of this page index. */
  readonly delta?: boolean;
}

/** Counts an activity reports for one page. */
export interface PageCounts {
  readonly documents: number;
  readonly bytes: number;
  readonly failed: number;
  /** Overloaded answers (S3 SlowDown) the stores gave while the activity ran; absent when none. */
  readonly busy?: number;
}

/** Totals per logical bucket. */
export interface BucketCount {
  readonly bucket: string;
  readonly documents: number;
  readonly bytes: number;
}

/** What `prepare` finds. */
export interface PrepareResult {
  readonly total: number;
  readonly totalBytes: number;
  readonly buckets: readonly BucketCount[];
  /** The catalog's clock (epoch seconds) before counting: where a staged migration's first delta pass looks. */
  readonly catalogTime?: number;
}

/** Phase names shown in the UI and the CLI. */
export type MigrationPhase =
  'preparing' | 'migrating' | 'staging' | 'cutover' | 'paused' | 'cancelling' | 'finishing' | 'done';

/**
 * Bytes of the documents a page migrated (verified, switched, and deleted at the source unless --nodelete).
 * Stored bytes differ between the ends when compression differs, so both are kept; `logical` (uncompressed) is
 * known wherever one end stores a document uncompressed, and `logicalUnknown` counts documents compressed at both.
 */
export interface MovedBytes {
  readonly source: number;
  readonly dest: number;
  readonly logical: number;
  readonly logicalUnknown: number;
}

/**
 * Counters carried across continue-as-new. `totalBytes` and `migratedBytes` are both stored bytes at the source,
 * so their ratio is the share moved; `migratedBytes` counts only documents whose copy was verified and switched.
 * The destination's and the logical bytes are absent in states carried from before they were kept.
 */
export interface Counters {
  readonly total: number;
  readonly totalBytes: number;
  readonly migrated: number;
  readonly migratedBytes: number;
  readonly migratedDestBytes?: number;
  readonly migratedLogicalBytes?: number;
  /** Migrated documents compressed at both ends, whose logical size no one read. */
  readonly logicalUnknown?: number;
  readonly failed: number;
  readonly pagesDone: number;
  /** Migrated documents whose source the store refused to delete (Object Lock, a policy): kept and reported. */
  readonly sourcesKept?: number;
  /** A staged migration's verified copies waiting for the cutover (absent: not staged). */
  readonly staged?: number;
}

/** A staged migration's state between its passes (docs/adr/0006); carried across continue-as-new. */
export interface StagingState {
  /** Catalog time (epoch seconds) the last complete pass began: where the next one looks from. */
  readonly since?: number;
  /** Delta passes done. */
  readonly passes: number;
  /** Workflow time of the next pass. */
  readonly nextPassAt: number;
  /** Workflow time the last pass ended. */
  readonly lastPassAt?: number;
  /** What the last pass found: documents and bytes new or changed since the pass before, staged copies dropped. */
  readonly lastDelta?: {
    readonly documents: number;
    readonly bytes: number;
    readonly dropped: number;
    /** How long the pass's own query took (its pages not included), ms. */
    readonly passMs?: number;
  };
  /** Documents and source bytes staged after the last pass. */
  readonly staged: { readonly documents: number; readonly bytes: number };
  readonly cutover?: CutoverState;
}

/** Where a cutover stands: switch every staged row, migrate the rest, then (outside the window) clean up. */
export interface CutoverState {
  /** Workflow time the cutover was accepted (its offline guard had just passed). */
  readonly acceptedAt: number;
  readonly nodelete: boolean;
  readonly watchAnchore: boolean;
  readonly step: 'drain' | 'switch' | 'rest' | 'sweep' | 'delete';
  /** Staged rows switched in bulk. */
  readonly bulkSwitched: number;
  /** The first page index the switch or the deletes have not reached yet. */
  readonly nextPage?: number;
  /** Workflow times the drain (pages in flight, the count) and the bulk switch ended. */
  readonly drainedAt?: number;
  readonly bulkSwitchedAt?: number;
  /** Workflow time the last row was switched: the end of the offline window. */
  readonly switchedAt?: number;
}

/** What the `cutover` update carries. */
export interface CutoverRequest {
  /** Keep the sources (rollback stays possible). */
  readonly nodelete: boolean;
  /** Do not pause when Anchore services heartbeat during the cutover. */
  readonly force: boolean;
}

/** A page that failed as a whole and waits for a later retry. */
export interface SetAsidePage {
  readonly page: PageBounds;
  readonly attempts: number;
  /** Workflow time (ms since epoch) of the next try. */
  readonly retryAt: number;
  readonly lastError: string;
}

/** State handed from one workflow run to the next. */
export interface CarriedState {
  readonly prepared: PrepareResult;
  readonly counters: Counters;
  /** Keyset cursor: the last row already cut into a page. */
  readonly cursor?: DocKey;
  readonly exhausted: boolean;
  readonly nextPageIndex: number;
  readonly planned: readonly PageBounds[];
  readonly setAside: readonly SetAsidePage[];
  readonly throttle: Throttle;
  readonly paused: boolean;
  readonly cancelled: boolean;
  readonly startedAt: number;
  readonly runs: number;
  /** Why the migration paused itself (Anchore came back); cleared by resume. */
  readonly pausedBecause?: string;
  /** The rate limiter's buckets (runs recorded before it carried none). */
  readonly rate?: RateBuckets;
  /** The circuit breaker over set-aside pages (absent: no page set aside since the last success). */
  readonly breaker?: Breaker;
  /** The rate the stores allow lately, learnt from their overloaded answers (absent: none lately). */
  readonly adaptive?: AdaptiveLimit;
  /** A staged migration's passes and cutover (absent: not staged). */
  readonly staging?: StagingState;
}

/** A ceiling on the pages in flight under the operator's concurrency: halved on overload, recovering slowly. */
export interface AdaptiveLimit {
  /** Pages in flight allowed (a fraction grows to the next page by clean pages). */
  readonly pages: number;
  /** When it was last cut. */
  readonly since: number;
  /** Pages done without an overloaded answer since. */
  readonly cleanPages: number;
  /** Overloaded answers counted since the limit was set. */
  readonly busyAnswers: number;
}

/** Consecutive set-aside pages with the same cause and, once they reached the threshold, the open breaker. */
export interface Breaker {
  readonly cause: string;
  readonly streak: number;
  readonly open?: {
    readonly since: number;
    /** Probes that failed so far. */
    readonly probes: number;
    readonly nextProbeAt: number;
    /** The page index of the probe running now. */
    readonly probing?: number;
  };
}

/** Token buckets of the rate limits: credit in documents and bytes, at a time (workflow clock, ms). */
export interface RateBuckets {
  readonly docs: number;
  readonly bytes: number;
  readonly at: number;
}

/** What the `progress` query returns. */
export interface Progress {
  readonly taskId: number;
  readonly phase: MigrationPhase;
  readonly counters: Counters;
  readonly inFlightPages: number;
  readonly setAsidePages: number;
  readonly throttle: Throttle;
  readonly docsPerSecond: number;
  readonly etaSeconds?: number;
  readonly runs: number;
  /** Why the migration is held back (planning retrying, a page set aside), in words for the operator. */
  readonly waitingFor?: string;
  /** Once it has ended without completing: why (the error that stopped it, a cancel, failed documents). */
  readonly stoppedBy?: string;
  /** The ceiling the stores' overloaded answers set, while it holds. */
  readonly adaptive?: AdaptiveLimit;
  /** A staged migration: its passes, the live delta, and the cutover once it began. */
  readonly staging?: StagingState & {
    /** What a cutover would copy now, at the rate staging has measured (absent: no rate measured yet). */
    readonly cutoverCopySeconds?: number;
  };
}

/** Final outcome of a migration (also the Anchore task state). */
export interface MigrationResult {
  readonly taskId: number;
  readonly state: 'complete' | 'failed';
  readonly cancelled: boolean;
  readonly counters: Counters;
  readonly error?: string;
  /** Copies at the destination no row was switched to, left by a stop that could not remove them. */
  readonly unswitchedCopies?: number;
  /** Why it did not complete, as status and list-migrations show it (absent when it completed). */
  readonly stopReason?: string;
  /** A staged migration's cutover: its offline window (acceptance to last switch) and what it switched in bulk. */
  readonly cutover?: {
    readonly offlineWindowMs: number;
    readonly bulkSwitched: number;
    /** The window's parts: the drain, the bulk switch, and moving what was still at the source. */
    readonly drainMs?: number;
    readonly bulkSwitchMs?: number;
    readonly restMs?: number;
  };
}

/** Update names and payloads. */
export interface ThrottleUpdate {
  readonly concurrency?: number;
  readonly maxDocsPerSecond?: number;
  readonly maxBytesPerSecond?: number;
}

/** Limits that validators enforce, also used by the CLI. */
export const LIMITS = {
  maxConcurrency: 256,
  maxPageSize: 10_000,
  minPageBytes: 1024 * 1024,
} as const;

/** Query and update names, shared by the workflow (which defines them) and the CLI (which calls them). */
export const MESSAGES = {
  progress: 'progress',
  pause: 'pause',
  resume: 'resume',
  cancel: 'cancel',
  throttle: 'throttle',
  cutover: 'cutover',
} as const;

/** Why a throttle request is invalid, or undefined when it is fine. */
export function throttleProblem(t: ThrottleUpdate): string | undefined {
  const keys = Object.keys(t).filter((k) => (t as Record<string, unknown>)[k] !== undefined);
  if (keys.length === 0) return 'give at least one of concurrency, maxDocsPerSecond, maxBytesPerSecond';
  const known = ['concurrency', 'maxDocsPerSecond', 'maxBytesPerSecond'];
  const unknown = keys.filter((k) => !known.includes(k));
  if (unknown.length > 0) return `unknown throttle setting(s): ${unknown.join(', ')}`;
  const c = t.concurrency;
  if (c !== undefined && (!Number.isInteger(c) || c < 1 || c > LIMITS.maxConcurrency)) {
    return `concurrency must be an integer from 1 to ${LIMITS.maxConcurrency}, got ${String(c)}`;
  }
  for (const k of ['maxDocsPerSecond', 'maxBytesPerSecond'] as const) {
    const v = t[k];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) {
      return `${k} must be a number >= 0 (0 = unlimited), got ${String(v)}`;
    }
  }
  return undefined;
}
