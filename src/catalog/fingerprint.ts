/**
 * A fingerprint of the catalog database, so a worker connected to another catalog (another environment, a
 * restored copy) refuses work planned against this one. Needs no privileges beyond reading the catalog.
 */
import { createHash } from 'node:crypto';
import type { Pool } from 'pg';

/** sha256 over the database's oid and name and the oid of archive_metadata: stable for one catalog. */
export async function catalogFingerprint(pool: Pool): Promise<string> {
  const res = await pool.query<{ id: string }>(
    `SELECT d.oid::text || ':' || d.datname || ':' || 'archive_metadata'::regclass::oid::text AS id
     FROM pg_database d WHERE d.datname = current_database()`,
  );
  return createHash('sha256')
    .update(res.rows[0]?.id ?? '')
    .digest('hex')
    .slice(0, 16);
}
