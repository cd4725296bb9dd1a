/**
 * The catalog's identity (task queue, workflow ids) survives a pg_dump/restore into a new database, whose OIDs
 * differ; a catalog of a release before the identity keeps the queue it had; our tables upgrade in order and a
 * catalog whose tables a newer release wrote is refused by name.
 */
import { execFileSync } from 'node:child_process';
import type { Pool } from 'pg';
import {
  catalogFingerprint,
  catalogIdentity,
  createCatalogPool,
  ensureJournal,
  JOURNAL_SCHEMA_SQL,
  physicalFingerprint,
  SCHEMA_VERSION,
} from '../../src/catalog';
import { admin, createTestCatalog, type TestCatalog } from '../helpers/catalog-db';

jest.setTimeout(60_000);

const catalogs: TestCatalog[] = [];
const extraDatabases: string[] = [];
const pools: Pool[] = [];

async function newCatalog(): Promise<TestCatalog> {
  const c = await createTestCatalog();
  catalogs.push(c);
  return c;
}

afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await Promise.all(catalogs.map((c) => c.drop()));
  for (const name of extraDatabases)
    await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
});

test('the identity survives pg_dump and restore into a new database; the OID fingerprint does not', async () => {
  const original = await newCatalog();
  const id = await catalogFingerprint(original.pool);
  expect(id).toMatch(/^[0-9a-f]{16}$/);
  expect((await catalogIdentity(original.pool))?.movedSinceCreated).toBe(false);

  const restoredName = `${original.name}_restored`;
  extraDatabases.push(restoredName);
  await admin((c) => c.query(`CREATE DATABASE ${restoredName}`));
  const restoredUrl = original.url.replace(`/${original.name}`, `/${restoredName}`);
  const dump = execFileSync('pg_dump', ['--format=custom', '--dbname', original.url]);
  execFileSync('pg_restore', ['--no-owner', '--dbname', restoredUrl], { input: dump });
  const restored = createCatalogPool(restoredUrl);
  pools.push(restored);

  // The database really is another one: the old, OID-derived fingerprint changed.
  expect(await physicalFingerprint(restored)).not.toBe(await physicalFingerprint(original.pool));
  expect(await catalogFingerprint(restored)).toBe(id);
  const identity = await catalogIdentity(restored);
  expect(identity?.movedSinceCreated).toBe(true);
  expect(identity?.schemaVersion).toBe(SCHEMA_VERSION);
});

test('a catalog of a release before the identity keeps its queue (its physical fingerprint) and is upgraded', async () => {
  const old = await newCatalog();
  // What earlier releases left: our tables without a version, one of them missing a later column.
  await old.pool.query(JOURNAL_SCHEMA_SQL);
  await old.pool.query('ALTER TABLE objectstorage_journal DROP COLUMN source_last_updated');
  const before = await physicalFingerprint(old.pool);

  expect(await catalogFingerprint(old.pool)).toBe(before);
  const columns = await old.pool.query(
    `SELECT 1 FROM information_schema.columns
     WHERE table_name = 'objectstorage_journal' AND column_name = 'source_last_updated'`,
  );
  expect(columns.rowCount).toBe(1);
  expect((await catalogIdentity(old.pool))?.schemaVersion).toBe(SCHEMA_VERSION);
});

test('tables of a newer schema version are refused by name, before anything is written', async () => {
  const c = await newCatalog();
  await ensureJournal(c.pool);
  await c.pool.query('UPDATE objectstorage_catalog SET schema_version = schema_version + 1');
  // A new pool: the first one remembers that it ensured the tables already.
  const fresh = createCatalogPool(c.url);
  pools.push(fresh);
  await expect(ensureJournal(fresh)).rejects.toMatchObject({
    name: 'CatalogSchemaTooNewError',
    message: expect.stringContaining(`version ${SCHEMA_VERSION + 1}`),
  });
  await expect(catalogFingerprint(fresh)).rejects.toMatchObject({ name: 'CatalogSchemaTooNewError' });
});

test('the identity row is created once: concurrent first starts agree on one identity', async () => {
  const c = await newCatalog();
  const racers = Array.from({ length: 4 }, () => {
    const p = createCatalogPool(c.url);
    pools.push(p);
    return p;
  });
  const ids = await Promise.all(racers.map((p) => catalogFingerprint(p)));
  expect(new Set(ids).size).toBe(1);
  const rows = await c.pool.query('SELECT count(*)::int AS n FROM objectstorage_catalog');
  expect(rows.rows[0].n).toBe(1);
});
