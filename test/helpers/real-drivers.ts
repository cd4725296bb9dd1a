/**
 * Every real driver of the dev stack at once, each on a store of its own for this test file: db and db2 on a
 * throwaway catalog, localfs on a temp dir, s3 on VersityGW and on SeaweedFS (fresh buckets), swift (a fresh
 * container). Used by the property tests, which run the same property on all of them.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDbDriver } from '../../src/drivers/db';
import { createDb2Driver } from '../../src/drivers/db2';
import { createLocalfsDriver } from '../../src/drivers/localfs';
import { createS3Driver } from '../../src/drivers/s3';
import { createSwiftDriver } from '../../src/drivers/swift';
import type { ObjectStoreDriver } from '../../src/drivers/types';
import type { TestCatalog } from './catalog-db';
import { stackEnv } from './stack-env';

/** The six stores: one per driver, and s3 on both S3 servers of the stack. */
export const REAL_STORES = ['db', 'db2', 'localfs', 's3-versitygw', 's3-seaweedfs', 'swift'] as const;
export type RealStore = (typeof REAL_STORES)[number];

export interface RealDrivers {
  readonly drivers: Readonly<Record<RealStore, ObjectStoreDriver>>;
  /** Closes the drivers and removes the localfs directory (the catalog belongs to the caller). */
  close(): Promise<void>;
}

/** An s3 driver on one of the stack's S3 servers, prefix `anchore/`, creating `bucket` in its self-check. */
export function createStackS3Driver(url: string, bucket: string): ObjectStoreDriver {
  return createS3Driver({
    bucket,
    prefix: 'anchore/',
    accessKey: stackEnv.s3AccessKey,
    secretKey: stackEnv.s3SecretKey,
    url,
    createBucket: true,
  });
}

/**
 * Builds the six drivers (db and db2 on `catalog`) and runs each one's self-check, which creates the S3 buckets
 * and the Swift container. `tag` starts the bucket, container and directory names, so a leftover tells which test
 * made it.
 */
export async function createRealDrivers(catalog: TestCatalog, tag: string): Promise<RealDrivers> {
  const id = `${tag}-${randomUUID().slice(0, 8)}`;
  const root = mkdtempSync(join(tmpdir(), `${tag}-`));
  const dir = join(root, 'data');
  mkdirSync(dir);
  const drivers: Record<RealStore, ObjectStoreDriver> = {
    db: createDbDriver(catalog.pool),
    db2: createDb2Driver(catalog.pool),
    localfs: createLocalfsDriver({ archiveDataDir: dir }),
    's3-versitygw': createStackS3Driver(stackEnv.s3Endpoint, `${id}-vgw`),
    's3-seaweedfs': createStackS3Driver(stackEnv.s3bEndpoint, `${id}-swfs`),
    swift: createSwiftDriver({
      container: id,
      prefix: 'anchore/',
      createContainer: true,
      auth: { version: '1.0', url: stackEnv.swiftAuthUrl, user: stackEnv.swiftUser, key: stackEnv.swiftKey },
    }),
  };
  await Promise.all(Object.values(drivers).map((d) => d.selfCheck()));
  return {
    drivers,
    async close() {
      await Promise.all(Object.values(drivers).map((d) => d.close()));
      rmSync(root, { recursive: true, force: true });
    },
  };
}
