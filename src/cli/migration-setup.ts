/**
 * From two Anchore config files to a migration input, the way `plan`, `migrate` and `reverse` need it:
 * sections chosen like anchore-manager, source selection by location (not scheme), the analysis-archive
 * rule, secrets as references or sealed values, and the guards that refuse before anything is written.
 */
import type { Pool } from 'pg';
import { ConfigError, UnknownBucketError } from '../errors';
import { loadStoreConfig, toPortableStoreConfig, type LoadedStoreConfig } from '../config';
import { createDriver } from '../drivers/registry';
import { checkLocations } from '../catalog/guards';
import { bucketsInCatalog } from '../catalog';
import { LOGICAL_BUCKETS } from '../shared/logical-buckets';
import { nearest } from '../shared/nearest';
import { LIMITS, type MigrationInput, type Selection, type VerifyMode } from '../shared/migration';

/** Where a store lives and which config section described it. */
export interface StoreSide {
  readonly loaded: LoadedStoreConfig;
  readonly location: string;
}

/** Options shared by plan and migrate. */
export interface SelectionOptions {
  readonly fromAnalysisArchive: boolean;
  readonly toAnalysisArchive: boolean;
  readonly buckets: readonly string[];
}

/** Loads one side and computes its location (no I/O: drivers are built only to name their location). */
export async function loadSide(file: string, analysisArchive: boolean, pool: Pool): Promise<StoreSide> {
  const loaded = await loadStoreConfig(file, { analysisArchive, env: process.env });
  const driver = createDriver(loaded.config.storage_driver, { pool });
  try {
    return { loaded, location: driver.location };
  } finally {
    await driver.close();
  }
}

/**
 * Which rows move. The analysis archive lives in the logical bucket `analysis_archive`: moving the archive
 * moves only that bucket; moving the object store leaves it alone unless the source config has no
 * analysis_archive section (then the archive shares the object store and moves with it).
 */
export async function buildSelection(
  fromFile: string,
  from: StoreSide,
  o: SelectionOptions,
): Promise<Selection> {
  if (o.fromAnalysisArchive) {
    const other = o.buckets.filter((b) => b !== 'analysis_archive');
    if (other.length > 0) {
      throw new ConfigError(
        `--from-analysis-archive moves only the analysis_archive bucket; --bucket ${other.join(', ')} is not in it`,
      );
    }
    return { sourcePrefix: from.location, buckets: ['analysis_archive'], excludeBuckets: [] };
  }
  const archive = await loadStoreConfig(fromFile, { analysisArchive: true, env: process.env });
  const separateArchive = !archive.fellBackToObjectStore;
  return {
    sourcePrefix: from.location,
    buckets: [...o.buckets],
    excludeBuckets: separateArchive ? ['analysis_archive'] : [],
  };
}

/** The selection flags as commander parses them (plan and migrate share them). */
export interface SelectionFlags {
  readonly bucket: string[];
  readonly fromAnalysisArchive?: boolean;
  readonly toAnalysisArchive?: boolean;
}

/** Both sides of a migration and its selection, with the configs' warnings printed. */
export async function loadMigrationSides(
  pool: Pool,
  fromFile: string,
  toFile: string,
  flags: SelectionFlags,
  warn: (message: string) => void,
): Promise<{ from: StoreSide; to: StoreSide; selection: Selection }> {
  const o: SelectionOptions = {
    fromAnalysisArchive: flags.fromAnalysisArchive === true,
    toAnalysisArchive: flags.toAnalysisArchive === true,
    buckets: flags.bucket,
  };
  await checkBucketsPresent(pool, o.buckets);
  const from = await loadSide(fromFile, o.fromAnalysisArchive, pool);
  const to = await loadSide(toFile, o.toAnalysisArchive, pool);
  for (const w of [...from.loaded.warnings, ...to.loaded.warnings]) warn(w);
  return { from, to, selection: await buildSelection(fromFile, from, o) };
}

/** Refuses a `--bucket` that no document is in, naming the likely one meant and the buckets there are. */
export async function checkBucketsPresent(pool: Pool, buckets: readonly string[]): Promise<void> {
  if (buckets.length === 0) return;
  const present = await bucketsInCatalog(pool);
  const missing = buckets.filter((b) => !present.includes(b));
  if (missing.length === 0) return;
  const lines = missing.map((b) => {
    const near = nearest(b, [...present, ...LOGICAL_BUCKETS]);
    return `--bucket ${b}: no document of this catalog is in it${near ? `; did you mean ${near}?` : ''}`;
  });
  throw new UnknownBucketError(
    `${lines.join('\n')}\nbuckets here: ${present.join(', ') || '(none: the catalog holds no documents)'}`,
  );
}

/** Tunables of a migration. */
export interface MigrationTuning {
  readonly nodelete: boolean;
  readonly reclaimVersions?: boolean;
  readonly verify: VerifyMode;
  readonly concurrency: number;
  readonly pageSize: number;
  readonly pageBytes: number;
  readonly pagesPerRun: number;
  readonly maxDocsPerSecond: number;
  readonly maxBytesPerSecond: number;
  /** Pause when Anchore services heartbeat during the run (not with --force). */
  readonly watchAnchore: boolean;
}

/** Builds the workflow input; literal secrets without OBJECTSTORAGE_SECRET_KEY are refused here. */
export function buildInput(
  taskId: number,
  fingerprint: string,
  from: StoreSide,
  to: StoreSide,
  selection: Selection,
  t: MigrationTuning,
): MigrationInput {
  checkLocations(selection.sourcePrefix, to.location);
  return {
    taskId,
    catalogFingerprint: fingerprint,
    from: toPortableStoreConfig(from.loaded, process.env),
    to: toPortableStoreConfig(to.loaded, process.env),
    selection,
    destLocation: to.location,
    fromAnalysisArchive: from.loaded.section === 'analysis_archive',
    toAnalysisArchive: to.loaded.section === 'analysis_archive',
    nodelete: t.nodelete,
    ...(t.reclaimVersions ? { reclaimVersions: true } : {}),
    verify: t.verify,
    pageSize: Math.min(t.pageSize, LIMITS.maxPageSize),
    pageBytes: Math.max(t.pageBytes, LIMITS.minPageBytes),
    pagesPerRun: t.pagesPerRun,
    throttle: {
      concurrency: Math.min(t.concurrency, LIMITS.maxConcurrency),
      maxDocsPerSecond: t.maxDocsPerSecond,
      maxBytesPerSecond: t.maxBytesPerSecond,
    },
    watchAnchore: t.watchAnchore,
    markSharedStores: true,
  };
}
