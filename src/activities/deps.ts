/** What activities need from the worker (the composition root builds it once per process). */
import type { Pool } from 'pg';
import type { ArchiveMetadataRow } from '../catalog';
import type { ByteBudget } from './byte-budget';
import type { CopyRound } from './copy-round';
import type { PageLeaseTiming } from './page-fence';
import type { ObjectStoreDriver } from '../drivers/types';
import type { Logger } from '../logger';
import type { PortableStore } from '../shared/migration';

/** Builds (and caches) a driver for a store config from a workflow input, resolving secrets locally. */
export interface DriverProvider {
  driverFor(store: PortableStore): ObjectStoreDriver;
  close(): Promise<void>;
}

/**
 * Runs a chunk's copy round (copy-round.ts) for a page activity: in the activity's own thread, or in a worker's
 * copy threads with drivers of their own (docs/adr/0009).
 */
export interface ChunkCopier {
  copy(
    rows: readonly ArchiveMetadataRow[],
    from: PortableStore,
    to: PortableStore,
    signal?: AbortSignal,
  ): Promise<CopyRound>;
  /** Overloaded answers (S3 SlowDown) the copier's own drivers got since the last call. */
  takeBusyAnswers(): number;
}

/** Dependencies of {@link createActivities}. */
export interface ActivityDeps {
  /** The worker's own catalog connection. */
  readonly pool: Pool;
  /** Fingerprint of that catalog; work planned against another one is refused. */
  readonly fingerprint: string;
  readonly drivers: DriverProvider;
  readonly log: Logger;
  /** Where chunks are read, re-encoded and written; in the activity's thread, with `drivers`, when absent. */
  readonly copier?: ChunkCopier;
  /** Document bytes all page activities of this worker may hold at once; unlimited when absent. */
  readonly budget?: ByteBudget;
  /** Documents stored larger than this are streamed; STREAM_ABOVE_BYTES when absent (tests lower it). */
  readonly streamAboveBytes?: number;
  /** Page fence lease timing; PAGE_LEASE when absent (tests shorten it). */
  readonly pageLease?: PageLeaseTiming;
}
