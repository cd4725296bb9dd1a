/**
 * The catalog's identity as workflows carry it (`catalogFingerprint` in their input, the task queue's name): a
 * worker connected to another catalog refuses work planned against this one.
 */
import type { Pool } from 'pg';
import { catalogIdentity } from './identity';
import { ensureJournal } from './our-tables';

/**
 * The catalog's stable identity (its identity row, created by the first call on a catalog): the same after a
 * pg_dump/restore, pg_upgrade or switchover, unlike the database's OIDs.
 */
export async function catalogFingerprint(pool: Pool): Promise<string> {
  await ensureJournal(pool);
  const identity = await catalogIdentity(pool);
  if (!identity) throw new Error('the catalog identity row is missing right after it was created');
  return identity.id;
}
