/**
 * A staging pass reads only what changed (issue 23): with the staging index on last_updated, PostgreSQL finds the
 * rows updated since the watermark through it instead of reading Anchore's whole table; without the right to
 * create the index a pass still finds the same rows (slower, never wrong). And the delta it finds: new rows,
 * staged rows whose version changed, not the unchanged ones.
 */
import {
  createCatalogPool,
  changedRows,
  changedRowsQuery,
  createStageIndex,
  dropStageIndex,
  ensureJournal,
  STAGE_INDEX,
} from '../../src/catalog';
import { createHash } from 'node:crypto';
import type { Selection } from '../../src/shared/migration';
import { createTestCatalog, type TestCatalog } from '../helpers/catalog-db';

const ROWS = 20_000;
const SEL: Selection = { sourcePrefix: 'db://', buckets: [], excludeBuckets: [] };
let catalog: TestCatalog;
const now = Math.floor(Date.now() / 1000);

beforeAll(async () => {
  catalog = await createTestCatalog();
  await ensureJournal(catalog.pool);
  // Rows written a day ago, all staged by task 1 at the version they hold.
  await catalog.pool.query(
    `INSERT INTO archive_metadata (bucket, "archiveId", "userId", "documentName", content_url, digest, size,
       is_compressed, last_updated)
     SELECT 'b', md5(i::text), 'u', md5(i::text) || '.json', 'db://u/b/' || md5(i::text), md5(i::text), 100, false,
       $1::integer - 86400 FROM generate_series(1, ${ROWS}) AS i`,
    [now],
  );
  await catalog.pool.query(
    `INSERT INTO objectstorage_journal (task_id, bucket, "archiveId", "userId", "documentName", page, phase,
       source_url, source_digest, source_size, source_compressed, dest_url)
     SELECT 1, bucket, "archiveId", "userId", "documentName", 0, 'staged', content_url, digest, size, false,
       'memory://' || "archiveId" FROM archive_metadata`,
  );
  // Anchore since: 3 rewrites (new digest), 1 re-put of the same bytes (last_updated only), 2 new documents.
  await catalog.pool.query(
    `UPDATE archive_metadata SET digest = 'new', size = 101, last_updated = $1
     WHERE "archiveId" IN (md5('1'), md5('2'), md5('3'))`,
    [now],
  );
  await catalog.pool.query(`UPDATE archive_metadata SET last_updated = $1 WHERE "archiveId" = md5('4')`, [
    now,
  ]);
  await catalog.pool.query(
    `INSERT INTO archive_metadata (bucket, "archiveId", "userId", "documentName", content_url, digest, size,
       is_compressed, last_updated)
     VALUES ('b', 'new-1', 'u', 'new-1.json', 'db://u/b/new-1', 'x', 5, false, $1),
            ('b', 'new-2', 'u', 'new-2.json', 'db://u/b/new-2', 'y', 5, false, $1)`,
    [now],
  );
  await catalog.pool.query('ANALYZE archive_metadata; ANALYZE objectstorage_journal');
});
afterAll(async () => {
  await catalog?.drop();
});

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
const changedKeys = async (since: number | undefined): Promise<string[]> =>
  (await changedRows(catalog.pool, 1, SEL, since, 1000)).map((r) => `${r.archiveId}:${r.staged}`).sort();

test('a pass finds the rewritten and the new documents, not the unchanged or the identical re-put', async () => {
  const expected = [`${md5('1')}:true`, `${md5('2')}:true`, `${md5('3')}:true`, 'new-1:false', 'new-2:false'];
  expect(await changedKeys(now - 5)).toEqual(expected.sort());
  // The exact pass (no watermark) finds the same: nothing older changed.
  expect(await changedKeys(undefined)).toEqual(expected.sort());
});

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

/** How the plan of a pass reads archive_metadata: each node that reads it, with the index it uses. */
async function metadataReads(): Promise<string[]> {
  const q = changedRowsQuery(1, SEL, now - 5, 1000);
  const res = await catalog.pool.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(
    `EXPLAIN (FORMAT JSON) ${q.sql}`,
    q.params,
  );
  const reads: string[] = [];
  const walk = (n: PlanNode): void => {
    if (n['Relation Name'] === 'archive_metadata' || n['Index Name'] === STAGE_INDEX)
      reads.push(`${n['Node Type']}${n['Index Name'] ? ` ${n['Index Name']}` : ''}`);
    n.Plans?.forEach(walk);
  };
  walk((res.rows[0]?.['QUERY PLAN'] ?? [])[0]?.Plan as PlanNode);
  return reads;
}

test('with the staging index a pass reads the rows updated since the watermark through it, not the table', async () => {
  expect(await metadataReads()).toContain('Seq Scan');
  expect(await createStageIndex(catalog.pool)).toBeUndefined();
  await catalog.pool.query('ANALYZE archive_metadata');
  const reads = await metadataReads();
  expect(reads.some((r) => r.endsWith(STAGE_INDEX))).toBe(true);
  expect(reads).not.toContain('Seq Scan');
  expect(await changedKeys(now - 5)).toHaveLength(5);
  await dropStageIndex(catalog.pool);
  const gone = await catalog.pool.query(`SELECT count(*)::int AS n FROM pg_indexes WHERE indexname = $1`, [
    STAGE_INDEX,
  ]);
  expect(gone.rows[0].n).toBe(0);
});

test('a role that may not index Anchore’s table stages anyway: the reason is returned, not thrown', async () => {
  const role = `aos_ro_${Date.now()}`;
  await catalog.pool.query(`CREATE ROLE ${role} LOGIN`);
  try {
    await catalog.pool.query(`GRANT SELECT ON archive_metadata TO ${role}`);
    const url = new URL(catalog.url);
    url.username = role;
    const pool = createCatalogPool(url.toString());
    try {
      expect(await createStageIndex(pool)).toMatch(/must be owner of table archive_metadata/);
    } finally {
      await pool.end();
    }
  } finally {
    await catalog.pool.query(`REVOKE ALL ON archive_metadata FROM ${role}`);
    await catalog.pool.query(`DROP ROLE ${role}`);
  }
});
