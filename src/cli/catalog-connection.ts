/** The catalog connection of a CLI command: resolved from flags/env, its password kept out of every output. */
import type { Pool } from 'pg';
import { checkCatalog, createCatalogPool, resolveCatalogUrl } from '../catalog';
import { registerDbPassword } from './db-secrets';
import type { GlobalOptions } from './globals';

/** Runs `fn` with a small pool on the catalog (checked to be an Anchore catalog first), then closes it. */
export async function withCatalog<T>(g: GlobalOptions, fn: (pool: Pool) => Promise<T>): Promise<T> {
  const db = resolveCatalogUrl(g.dbConnect, process.env);
  registerDbPassword(db.url);
  const pool = createCatalogPool(db.url, 2);
  try {
    await checkCatalog(pool, db.url);
    return await fn(pool);
  } finally {
    await pool.end();
  }
}
