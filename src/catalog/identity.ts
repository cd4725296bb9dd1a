/**
 * The catalog's identity and the version of our own tables, in one row of `objectstorage_catalog` created once.
 * The identity names the task queue and the workflow ids (docs/adr/0007), so it must survive what changes a
 * database's OIDs (pg_dump/restore, pg_upgrade, a blue/green or logical-replication switchover): a row does.
 * The schema version lets a newer tool upgrade an older catalog's tables in order and an older tool refuse a
 * catalog whose tables it does not know.
 */
import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { CatalogSchemaTooNewError } from '../errors';

export const CATALOG_IDENTITY_SQL = `
CREATE TABLE IF NOT EXISTS objectstorage_catalog (
  one_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one_row),
  catalog_id VARCHAR NOT NULL,
  schema_version INTEGER NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  created_on VARCHAR NOT NULL,
  upgraded_at TIMESTAMPTZ
);
`;

/** The catalog's identity row. */
export interface CatalogIdentity {
  /** Names the task queue and workflow ids; never changes once created. */
  readonly id: string;
  readonly schemaVersion: number;
  readonly createdAt: Date;
  /** Whether the database is no longer the physical one it was created on (restored, upgraded, switched over). */
  readonly movedSinceCreated: boolean;
}

interface IdentityRow {
  catalog_id: string;
  schema_version: number;
  created_at: Date;
  created_on: string;
}

/** Reads the identity row inside an open transaction; undefined before the first migration created it. */
export async function readIdentityRow(client: PoolClient): Promise<IdentityRow | undefined> {
  const exists = await client.query<{ t: string | null }>(`SELECT to_regclass('objectstorage_catalog') AS t`);
  if (exists.rows[0]?.t === null) return undefined;
  const res = await client.query<IdentityRow>(
    'SELECT catalog_id, schema_version, created_at, created_on FROM objectstorage_catalog',
  );
  return res.rows[0];
}

/**
 * Creates the identity row at `version` the first time. Its id is the database's physical fingerprint of that
 * moment, the value earlier releases derived on every start, so migrations begun before it keep their queue.
 */
export async function createIdentityRow(client: PoolClient, version: number): Promise<void> {
  const physical = await physicalFingerprint(client);
  await client.query(CATALOG_IDENTITY_SQL);
  await client.query(
    `INSERT INTO objectstorage_catalog (catalog_id, schema_version, created_on) VALUES ($1, $2, $1)
     ON CONFLICT DO NOTHING`,
    [physical, version],
  );
}

/** Refuses tables of a newer schema than `known`, by name and with what to do. */
export function refuseNewerSchema(row: IdentityRow, known: number): void {
  if (row.schema_version > known)
    throw new CatalogSchemaTooNewError(
      `the catalog's objectstorage_* tables are at schema version ${row.schema_version}, written by a newer ` +
        `objectstorage; this one knows versions up to ${known} and would misread them. Run the newer release ` +
        '(every CLI and worker of this catalog must be at least that version).',
    );
}

/** The identity of the catalog `pool` reaches; undefined when no migration has created it yet. */
export async function catalogIdentity(pool: Pool): Promise<CatalogIdentity | undefined> {
  const client = await pool.connect();
  try {
    const row = await readIdentityRow(client);
    if (!row) return undefined;
    return {
      id: row.catalog_id,
      schemaVersion: row.schema_version,
      createdAt: row.created_at,
      movedSinceCreated: row.created_on !== (await physicalFingerprint(client)),
    };
  } finally {
    client.release();
  }
}

/**
 * sha256 over the database's oid and name and the oid of archive_metadata: what earlier releases used as the
 * identity, and how we tell that a catalog moved to another physical database since its identity was created.
 */
export async function physicalFingerprint(db: Pool | PoolClient): Promise<string> {
  const res = await db.query<{ id: string }>(
    `SELECT d.oid::text || ':' || d.datname || ':' || 'archive_metadata'::regclass::oid::text AS id
     FROM pg_database d WHERE d.datname = current_database()`,
  );
  return createHash('sha256')
    .update(res.rows[0]?.id ?? '')
    .digest('hex')
    .slice(0, 16);
}
