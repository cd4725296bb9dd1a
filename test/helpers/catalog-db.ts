/** A throwaway catalog database per test file, with Anchore's tables, on the real PostgreSQL. */
import { randomBytes } from 'node:crypto';
import { Client, type Pool } from 'pg';
import { createAnchoreSchema, createCatalogPool, createPgMetadataStore } from '../../src/catalog';
import { createDbDriver } from '../../src/drivers/db';
import { createObjectStoreManager, type ObjectStoreManager } from '../../src/drivers/manager';
import type { CompressionSettings } from '../../src/drivers/stored-bytes';
import { stackEnv } from './stack-env';

export interface TestCatalog {
  readonly url: string;
  readonly name: string;
  readonly pool: Pool;
  drop(): Promise<void>;
}

/** Runs `fn` on a client of the stack's PostgreSQL as its admin role. */
export async function admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: stackEnv.pgAdminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database; with `anchoreSchema` (default) also Anchore's tables. */
export async function createTestCatalog(opts: { anchoreSchema?: boolean } = {}): Promise<TestCatalog> {
  const name = `aos_test_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(stackEnv.pgAdminUrl);
  url.pathname = `/${name}`;
  const pool = createCatalogPool(url.toString());
  if (opts.anchoreSchema ?? true) await createAnchoreSchema(pool);
  return {
    url: url.toString(),
    name,
    pool,
    async drop() {
      await pool.end();
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/** Anchore's `db` object store on a catalog: what it writes is what Anchore writes (compression off by default). */
export function anchoreDbStore(
  pool: Pool,
  compression: CompressionSettings = { enabled: false, min_size_kbytes: 100 },
): ObjectStoreManager {
  return createObjectStoreManager(createDbDriver(pool), compression, createPgMetadataStore(pool));
}
