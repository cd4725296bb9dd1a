/**
 * Our own tables (journal, registry, page leases, identity), created and upgraded in order by schema version.
 * Every step is idempotent DDL; a catalog of a release before versions existed has no identity row and is
 * brought to the current version by running every step. docs/adr/0007.
 */
import type { Pool } from 'pg';
import { MOVED_SCHEMA_SQL } from './compaction';
import { createIdentityRow, readIdentityRow, refuseNewerSchema } from './identity';
import { JOURNAL_SCHEMA_SQL } from './journal-schema';
import { PAGE_LEASES_SCHEMA_SQL } from './page-leases';
import { inTransaction } from '../sql/transaction';

/** The schema of our tables, version by version; a catalog below a step's version gets its DDL, once, in order. */
export const SCHEMA_STEPS: readonly { readonly version: number; readonly ddl: string }[] = [
  // Version 1: the tables as the first versioned release found them (older releases wrote a subset of these).
  { version: 1, ddl: JOURNAL_SCHEMA_SQL + PAGE_LEASES_SCHEMA_SQL },
  // Version 2: the moved documents of ended migrations, compacted out of the journal (docs/adr/0008).
  { version: 2, ddl: MOVED_SCHEMA_SQL },
];

/** The version of our tables this release writes. */
export const SCHEMA_VERSION = SCHEMA_STEPS[SCHEMA_STEPS.length - 1]!.version;

/** Advisory lock key of our DDL ("aos-journal"). */
const OUR_DDL_LOCK = 0x616f736a;
const ensured = new WeakSet<Pool>();

/**
 * Creates or upgrades our tables and the identity row, once per pool, refusing tables of a newer release. Two
 * processes running CREATE TABLE IF NOT EXISTS at the same moment can still collide in pg_type (workers started
 * together by `--scale`), so the DDL is serialized with a transaction-scoped advisory lock.
 */
export async function ensureJournal(pool: Pool): Promise<void> {
  if (ensured.has(pool)) return;
  await inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [OUR_DDL_LOCK]);
    const row = await readIdentityRow(client);
    if (row) refuseNewerSchema(row, SCHEMA_VERSION);
    const from = row?.schema_version ?? 0;
    for (const step of SCHEMA_STEPS) if (step.version > from) await client.query(step.ddl);
    if (!row) await createIdentityRow(client, SCHEMA_VERSION);
    else if (from < SCHEMA_VERSION)
      await client.query('UPDATE objectstorage_catalog SET schema_version = $1, upgraded_at = now()', [
        SCHEMA_VERSION,
      ]);
  });
  ensured.add(pool);
}
