/**
 * The worker's pool plans a page of keys against a table as primary-key probes (createCatalogPool keyedJoins),
 * where a default session hashes the whole table: checked with EXPLAIN on the real PostgreSQL.
 */
import type { Pool } from 'pg';
import {
  createCatalogPool,
  ensureJournal,
  JOURNALED_KEYS_SQL,
  SWITCH_METADATA_SQL,
} from '../../src/catalog';
import { createTestCatalog, type TestCatalog } from '../helpers/catalog-db';

const ROWS = 4000;
const KEYS = 500;

let catalog: TestCatalog;
let keyed: Pool;

beforeAll(async () => {
  catalog = await createTestCatalog();
  await ensureJournal(catalog.pool);
  await catalog.pool.query(
    `INSERT INTO archive_metadata (bucket, "archiveId", "userId", "documentName", content_url, size)
     SELECT 'b' || (i % 5), md5(i::text), 'u' || (i % 3), md5(i::text) || '.json', 's3://a/' || md5(i::text), 100
     FROM generate_series(1, ${ROWS}) AS i`,
  );
  await catalog.pool.query(
    `INSERT INTO objectstorage_journal (task_id, bucket, "archiveId", "userId", "documentName", page, phase, source_url)
     SELECT 1, bucket, "archiveId", "userId", "documentName", 0, 'copied', content_url FROM archive_metadata`,
  );
  await catalog.pool.query('ANALYZE archive_metadata; ANALYZE objectstorage_journal');
  keyed = createCatalogPool(catalog.url, 2, { keyedJoins: true });
});
afterAll(async () => {
  await keyed?.end();
  await catalog?.drop();
});

/** The first KEYS rows' keys as the statements' arrays. */
async function keyArrays(): Promise<string[][]> {
  const r = await catalog.pool.query<{ b: string; a: string; u: string; d: string; url: string }>(
    `SELECT bucket AS b, "archiveId" AS a, "userId" AS u, "documentName" AS d, content_url AS url
     FROM archive_metadata ORDER BY bucket, "archiveId" LIMIT ${KEYS}`,
  );
  const col = (f: (x: (typeof r.rows)[number]) => string): string[] => r.rows.map(f);
  return [col((x) => x.b), col((x) => x.a), col((x) => x.u), col((x) => x.d), col((x) => x.url)];
}

async function plan(pool: Pool, sql: string, params: unknown[]): Promise<string> {
  const r = await pool.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${sql}`, params);
  return JSON.stringify(r.rows[0]?.['QUERY PLAN']);
}

test('switching a page of metadata probes archive_metadata by key in a worker session, not a hash of the table', async () => {
  const [b, a, u, d, url] = await keyArrays();
  const n = (b as string[]).length;
  const params = [b, a, u, d, url, url, Array(n).fill('x'), Array(n).fill(100), Array(n).fill(false)];
  const plain = await plan(catalog.pool, SWITCH_METADATA_SQL, params);
  // The planner's default choice that made every page read the whole table (the reason for keyedJoins).
  expect(plain).toMatch(/"Hash Join"|"Merge Join"/);
  const ours = await plan(keyed, SWITCH_METADATA_SQL, params);
  expect(ours).not.toMatch(/"Hash Join"|"Merge Join"|"Seq Scan"/);
  expect(ours).toContain('"Index Name":"archive_metadata_pkey"');
});

test('looking up a page of keys in the journal probes its primary key in a worker session', async () => {
  const [b, a, u, d] = await keyArrays();
  const params = [1, b, a, u, d];
  const plain = await plan(catalog.pool, JOURNALED_KEYS_SQL, params);
  expect(plain).toMatch(/"Hash Join"|"Merge Join"/);
  const ours = await plan(keyed, JOURNALED_KEYS_SQL, params);
  expect(ours).not.toMatch(/"Hash Join"|"Merge Join"|"Seq Scan"|"Bitmap Heap Scan"/);
  expect(ours).toContain('"Index Name":"objectstorage_journal_pkey"');
});
