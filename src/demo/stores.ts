/**
 * The stores a config describes, as Anchore would use them: the object store (`object_store`, legacy `archive`)
 * and the analysis-archive store (`analysis_archive`, else the object store). Each gets the driver the config
 * names and an Anchore-exact manager over the catalog's archive_metadata.
 */
import type { Pool } from 'pg';
import { createPgMetadataStore } from '../catalog';
import { loadStoreConfig, type LoadedStoreConfig } from '../config';
import { createObjectStoreManager } from '../drivers/manager';
import { createDriver } from '../drivers/registry';
import type { ObjectStoreDriver } from '../drivers/types';
import { ANALYSIS_ARCHIVE_BUCKET, type DemoBucket } from './plan';
import type { DemoStore } from './write';

/** One store of a config, opened. */
export interface OpenStore extends DemoStore {
  readonly loaded: LoadedStoreConfig;
  readonly driver: ObjectStoreDriver;
}

/** Both stores of a config. `analysisArchive` is `objectStore` when the config has no analysis_archive section. */
export interface DemoStores {
  readonly objectStore: OpenStore;
  readonly analysisArchive: OpenStore;
  storeFor(bucket: DemoBucket): OpenStore;
  /** Runs each distinct driver's self-check (an s3 `create_bucket: true` config creates its bucket here). */
  selfCheck(): Promise<void>;
  close(): Promise<void>;
}

/** Both store configs of `file`, validated; nothing is opened yet. */
export async function loadDemoConfigs(
  file: string,
): Promise<{ objectStore: LoadedStoreConfig; analysisArchive: LoadedStoreConfig }> {
  const objectStore = await loadStoreConfig(file, { env: process.env });
  const analysisArchive = await loadStoreConfig(file, { env: process.env, analysisArchive: true });
  return { objectStore, analysisArchive };
}

/** Opens the drivers and managers of both stores over the catalog `pool`. */
export function openDemoStores(
  configs: { objectStore: LoadedStoreConfig; analysisArchive: LoadedStoreConfig },
  pool: Pool,
): DemoStores {
  const metadata = createPgMetadataStore(pool);
  const open = (loaded: LoadedStoreConfig): OpenStore => {
    const driver = createDriver(loaded.config.storage_driver, { pool });
    const { compression } = loaded.config;
    const current = createObjectStoreManager(driver, compression, metadata);
    const beforeCompression =
      compression.enabled === true
        ? createObjectStoreManager(driver, { ...compression, enabled: false }, metadata)
        : current;
    return { loaded, driver, current, beforeCompression };
  };
  const objectStore = open(configs.objectStore);
  const analysisArchive = configs.analysisArchive.fellBackToObjectStore
    ? objectStore
    : open(configs.analysisArchive);
  const distinct = [...new Set([objectStore, analysisArchive])];
  return {
    objectStore,
    analysisArchive,
    storeFor: (bucket) => (bucket === ANALYSIS_ARCHIVE_BUCKET ? analysisArchive : objectStore),
    async selfCheck() {
      for (const s of distinct) await s.driver.selfCheck();
    },
    async close() {
      for (const s of distinct) await s.driver.close();
    },
  };
}
