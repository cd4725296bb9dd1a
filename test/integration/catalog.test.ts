/** Catalog queries and Anchore-exact writes on the real PostgreSQL. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkCatalog,
  countSelection,
  createPgMetadataStore,
  insertMigrationTask,
  pageRows,
  planPages,
  listMigrationTasks,
  updateMigrationTask,
} from '../../src/catalog';
import type { DocKey } from '../../src/shared/migration';
import { anchoreDbStore, createTestCatalog, type TestCatalog } from '../helpers/catalog-db';

let ours: TestCatalog;
let reference: TestCatalog;

beforeAll(async () => {
  ours = await createTestCatalog();
  reference = await createTestCatalog({ anchoreSchema: false });
  await reference.pool.query(
    readFileSync(join(__dirname, '../../../shared/docs/anchore-schema.sql'), 'utf8'),
  );
});
afterAll(async () => {
  await ours?.drop();
  await reference?.drop();
});

const describeColumns = `
  SELECT table_name, column_name, data_type, is_nullable, column_default IS NOT NULL AS has_default, ordinal_position
  FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`;

test('our DDL creates exactly the tables of anchore-schema.sql (types, nullability, order, no defaults but the serial)', async () => {
  const [a, b] = await Promise.all([ours.pool.query(describeColumns), reference.pool.query(describeColumns)]);
  expect(a.rows.length).toBeGreaterThan(40);
  expect(a.rows).toEqual(b.rows);
  const keys = `SELECT conrelid::regclass::text AS t, pg_get_constraintdef(oid) AS def FROM pg_constraint
                WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2`;
  expect((await ours.pool.query(keys)).rows).toEqual((await reference.pool.query(keys)).rows);
});

test('checkCatalog refuses a database without Anchore tables', async () => {
  const empty = await createTestCatalog({ anchoreSchema: false });
  await expect(checkCatalog(empty.pool, empty.url)).rejects.toMatchObject({ name: 'CatalogError' });
  await empty.drop();
  await expect(checkCatalog(ours.pool, ours.url)).resolves.toBeUndefined();
});

test('db writes are what Anchore writes: archive_document base64 layout and archive_metadata defaults', async () => {
  const manager = anchoreDbStore(ours.pool, { enabled: true, min_size_kbytes: 0 });
  const body = Buffer.from([0xff, 0x00, 0x80, 0x41]);
  await manager.put('admin', 'grypedb', 'checksum1', body);
  const doc = await ours.pool.query(`SELECT * FROM archive_document WHERE "archiveId" = 'checksum1'`);
  expect(doc.rows[0]).toMatchObject({
    bucket: 'grypedb',
    userId: 'admin',
    documentName: 'checksum1.json',
    jsondata: '/wCAQQ==\n',
    b64_encoded: true,
    record_state_key: 'active',
    record_state_val: null,
  });
  expect(typeof doc.rows[0].created_at).toBe('number');
  const meta = await ours.pool.query(`SELECT * FROM archive_metadata WHERE "archiveId" = 'checksum1'`);
  expect(meta.rows[0]).toMatchObject({
    content_url: 'db://admin/grypedb/checksum1',
    is_compressed: false, // never for db, even with compression enabled
    digest: '6033ea5290a344c63a4ce59caad33de9', // Python: hashlib.md5(bytes([0xff, 0, 0x80, 0x41])).hexdigest()
    size: '4',
    document_metadata: null,
    record_state_key: 'active',
  });
  expect((await manager.get('admin', 'grypedb', 'checksum1'))?.equals(body)).toBe(true);
});

test('keyset pages by location prefix, in primary-key order, without repeats', async () => {
  const metadata = createPgMetadataStore(ours.pool);
  for (let i = 0; i < 23; i++) {
    await metadata.upsert({
      userId: 'acct',
      bucket: i % 2 ? 'analysis_data' : 'syft_sbom',
      archiveId: `k${String(i).padStart(2, '0')}`,
      contentUrl: `s3://bucket_a/p/acct/x/k${i}`,
      isCompressed: false,
      digest: 'd',
      size: 10,
    });
  }
  // `_` must not act as a LIKE wildcard: bucketXa is not bucket_a.
  await metadata.upsert({
    userId: 'acct',
    bucket: 'analysis_data',
    archiveId: 'other',
    contentUrl: 's3://bucketXa/p/acct/x/o',
    isCompressed: false,
    digest: 'd',
    size: 10,
  });
  const selection = { sourcePrefix: 's3://bucket_a/', buckets: [], excludeBuckets: [] };
  const seen: string[] = [];
  let cursor: DocKey | undefined;
  for (let index = 0; ;) {
    const planned = await planPages(ours.pool, selection, cursor, {
      pages: 2,
      pageSize: 5,
      pageBytes: 1 << 20,
      firstIndex: index,
    });
    for (const page of planned.pages) {
      seen.push(...(await pageRows(ours.pool, selection, page)).map((r) => `${r.bucket}/${r.archiveId}`));
    }
    index += planned.pages.length;
    cursor = planned.cursor;
    if (planned.exhausted) break;
  }
  expect(seen).toHaveLength(23);
  expect([...seen].sort()).toEqual(seen);
  expect(new Set(seen).size).toBe(23);
  expect(await countSelection(ours.pool, { ...selection, buckets: ['syft_sbom'] })).toEqual([
    { bucket: 'syft_sbom', documents: 12, bytes: 120 },
  ]);
});

test('a page returns every row of its key range, also rows added after planning beyond its LIMIT', async () => {
  const insert = (ids: string[]): Promise<unknown> =>
    ours.pool.query(
      `INSERT INTO archive_metadata (bucket, "archiveId", "userId", "documentName", content_url, size)
       SELECT 'late_bucket', id, 'acct', id || '.json', 'db://acct/late_bucket/' || id, 1 FROM unnest($1::varchar[]) AS id`,
      [ids],
    );
  await insert(Array.from({ length: 10 }, (_, i) => `p${i}`));
  const selection = { sourcePrefix: 'db://acct/late_bucket/', buckets: [], excludeBuckets: [] };
  const planned = await planPages(ours.pool, selection, undefined, {
    pages: 1,
    pageSize: 10,
    pageBytes: 1 << 20,
    firstIndex: 0,
  });
  const page = planned.pages[0];
  expect(page).toMatchObject({ documents: 10, last: { archiveId: 'p9' } });
  // 100 rows between p0 and p9: more than the query's LIMIT (documents + 64), so two batches are needed.
  await insert(Array.from({ length: 100 }, (_, i) => `p0-${String(i).padStart(3, '0')}`));
  const rows = await pageRows(ours.pool, selection, page as NonNullable<typeof page>);
  expect(rows).toHaveLength(110);
  expect(new Set(rows.map((r) => r.archiveId)).size).toBe(110);
});

test('migration task rows as anchore-manager writes them', async () => {
  const client = await ours.pool.connect();
  const id = await insertMigrationTask(client, {
    fromDriver: 'db',
    toDriver: 's3',
    documentsToMigrate: 10,
    executorId: 'host:1:1:',
  }).finally(() => client.release());
  await updateMigrationTask(ours.pool, id, { documentsMigrated: 10, state: 'complete' });
  const [task] = (await listMigrationTasks(ours.pool)).filter((t) => t.id === id);
  expect(task).toMatchObject({
    state: 'complete',
    last_state: 'running',
    type: 'archivemigrationtask',
    migrate_from_driver: 'db',
    migrate_to_driver: 's3',
    archive_documents_to_migrate: 10,
    archive_documents_migrated: 10,
    online_migration: null,
  });
  expect(task?.ended_at).toBeInstanceOf(Date);
});
