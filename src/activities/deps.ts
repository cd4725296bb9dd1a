/** What activities need from the worker (the composition root builds it once per process). */
import type { Pool } from 'pg';
import type { ByteBudget } from './byte-budget';
import type { PageLeaseTiming } from './page-fence';
import type { ObjectStoreDriver } from '../drivers/types';
import type { Logger } from '../logger';
import type { PortableStore } from '../shared/migration';

/** Builds (and caches) a driver for a store config from a workflow input, resolving secrets locally. */
export interface DriverProvider {
  driverFor(store: PortableStore): ObjectStoreDriver;
  close(): Promise<void>;
}

/** Dependencies of {@link createActivities}. */
export interface ActivityDeps {
  /** The worker's own catalog connection. */
  readonly pool: Pool;
  /** Fingerprint of that catalog; work planned against another one is refused. */
  readonly fingerprint: string;
  readonly drivers: DriverProvider;
  readonly log: Logger;
  /** Document bytes all page activities of this worker may hold at once; unlimited when absent. */
  readonly budget?: ByteBudget;
  /** Documents stored larger than this are streamed; STREAM_ABOVE_BYTES when absent (tests lower it). */
  readonly streamAboveBytes?: number;
  /** Page fence lease timing; PAGE_LEASE when absent (tests shorten it). */
  readonly pageLease?: PageLeaseTiming;
}
