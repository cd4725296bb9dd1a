/**
 * Demo data on the real PostgreSQL: every Anchore bucket, a realistic size mix, compression for part of it,
 * non-UTF-8 bodies in the db driver, determinism per seed, Python-exact JSON, a full read-back, and the CLI's
 * summary, refusal of a non-empty catalog and --verify failure on a corrupted document.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { md5Hex } from '../../src/drivers/util';
import { pythonJsonDumps } from '../../src/drivers/python-json';
import {
  buildDemoDocument,
  DEMO_BUCKETS,
  planDemoDocuments,
  storedBucketStats,
  verifyDemoData,
  writeDemoData,
} from '../../src/demo';
import { loadDemoConfigs, openDemoStores } from '../../src/demo/stores';
import { createTestCatalog, type TestCatalog } from '../helpers/catalog-db';
import { anchoreConfig, runCli, writeTempConfig } from '../helpers/cli';

jest.setTimeout(180_000);

const DOCS = 2000;
const SEED = 'integration-seed';
const plan = { seed: SEED, documents: DOCS, accounts: 3 };
const catalogs: TestCatalog[] = [];

/** db2 object store with compression over 16 KiB, analysis archive in its own localfs section. */
const db2Config = (): string =>
  writeTempConfig(
    anchoreConfig(`object_store:
  compression: {enabled: true, min_size_kbytes: 16}
  storage_driver: {name: db2, config: {}}
analysis_archive:
  compression: {enabled: true, min_size_kbytes: 16}
  storage_driver: {name: localfs, config: {archive_data_dir: ${mkdtempSync(join(tmpdir(), 'aos-demo-'))}}}`),
  );
const dbConfig = (): string =>
  writeTempConfig(anchoreConfig('object_store:\n  storage_driver: {name: db, config: {}}'));

async function generate(configFile: string, seed = SEED): Promise<TestCatalog> {
  const catalog = await createTestCatalog();
  catalogs.push(catalog);
  const stores = openDemoStores(await loadDemoConfigs(configFile), catalog.pool);
  try {
    await stores.selfCheck();
    await writeDemoData({ ...plan, seed, storeFor: stores.storeFor });
  } finally {
    await stores.close();
  }
  return catalog;
}

async function fingerprint(c: TestCatalog): Promise<string[]> {
  const { rows } = await c.pool.query<{ line: string }>(
    `SELECT concat_ws(' ', "userId", bucket, "archiveId", digest, size, is_compressed) AS line
     FROM archive_metadata ORDER BY 1`,
  );
  return rows.map((r) => r.line);
}

let db2Catalog: TestCatalog;
let db2File: string;
let dbCatalog: TestCatalog;
let dbFile: string;

beforeAll(async () => {
  db2File = db2Config();
  dbFile = dbConfig();
  db2Catalog = await generate(db2File);
  dbCatalog = await generate(dbFile);
});

afterAll(async () => {
  for (const c of catalogs) await c.drop();
});

test('every bucket, sizes from about 1 KiB to MiBs, compression for part of the large documents', async () => {
  const stats = await storedBucketStats(db2Catalog.pool);
  expect(stats.map((s) => s.bucket).sort()).toEqual([...DEMO_BUCKETS].sort());
  expect(stats.reduce((a, s) => a + s.documents, 0)).toBe(DOCS);

  const specs = [...planDemoDocuments(plan)];
  const sizes = specs.map((s) => buildDemoDocument(SEED, s).length);
  expect(Math.min(...sizes)).toBeLessThan(2048);
  expect(Math.max(...sizes)).toBeGreaterThan(1024 * 1024);
  const mostly = sizes.filter((n) => n >= 1024 && n <= 64 * 1024).length;
  expect(mostly / sizes.length).toBeGreaterThan(0.9);

  const { rows } = await db2Catalog.pool.query<{ compressed: number; large: number; accounts: number }>(
    `SELECT count(*) FILTER (WHERE is_compressed)::int AS compressed,
            count(*) FILTER (WHERE NOT is_compressed AND size > 16 * 1024)::int AS large,
            count(DISTINCT "userId")::int AS accounts FROM archive_metadata`,
  );
  expect(rows[0]?.compressed).toBeGreaterThan(50);
  // Some large documents were stored before compression was enabled (the second compression setting).
  expect(rows[0]?.large).toBeGreaterThan(10);
  expect(rows[0]?.accounts).toBe(3);

  // Analysis-archive tarballs went to their own section (localfs), everything else to db2.
  const urls = await db2Catalog.pool.query<{ bucket: string; scheme: string }>(
    `SELECT DISTINCT bucket, split_part(content_url, ':', 1) AS scheme FROM archive_metadata`,
  );
  for (const r of urls.rows) expect(r.scheme).toBe(r.bucket === 'analysis_archive' ? 'file' : 'db2');
});

test('the db driver holds non-UTF-8 bodies base64-encoded and never compresses', async () => {
  const { rows } = await dbCatalog.pool.query<{ b64: number; compressed: number }>(
    `SELECT (SELECT count(*) FROM archive_document WHERE b64_encoded)::int AS b64,
            (SELECT count(*) FROM archive_metadata WHERE is_compressed)::int AS compressed`,
  );
  const binary = [...planDemoDocuments(plan)].filter(
    (s) => s.bucket === 'grypedb' || s.bucket === 'analysis_archive',
  ).length;
  expect(binary).toBeGreaterThan(5);
  expect(rows[0]).toEqual({ b64: binary, compressed: 0 });
});

test('same seed, same keys and bytes; another seed, other documents', async () => {
  const again = await generate(db2Config());
  expect(await fingerprint(again)).toEqual(await fingerprint(db2Catalog));
  const other = await generate(db2Config(), 'another-seed');
  const a = new Set(await fingerprint(db2Catalog));
  expect((await fingerprint(other)).filter((line) => a.has(line))).toEqual([]);
});

test('JSON documents are byte-identical to what Python json.dumps writes', () => {
  const specs = [...planDemoDocuments({ ...plan, documents: 400 })].filter(
    (s) => s.bucket !== 'grypedb' && s.bucket !== 'analysis_archive',
  );
  for (const spec of specs) {
    const body = buildDemoDocument(SEED, spec).toString('utf8');
    expect(pythonJsonDumps(JSON.parse(body))).toBe(body);
  }
});

test('every document reads back through the manager with its digest and generated bytes', async () => {
  for (const [catalog, file] of [
    [db2Catalog, db2File],
    [dbCatalog, dbFile],
  ] as const) {
    const stores = openDemoStores(await loadDemoConfigs(file), catalog.pool);
    try {
      const result = await verifyDemoData({ ...plan, managerFor: (b) => stores.storeFor(b).current });
      expect(result).toMatchObject({ expected: DOCS, matched: DOCS, problems: [] });
      // Independently of the manager: the stored bytes hash to the recorded digest.
      const { rows } = await catalog.pool.query<{ bucket: string; content_url: string; digest: string }>(
        'SELECT bucket, content_url, digest FROM archive_metadata',
      );
      for (const row of rows) {
        const driver = stores.storeFor(row.bucket as 'grypedb').driver;
        expect(md5Hex(await driver.get(row.content_url))).toBe(row.digest);
      }
    } finally {
      await stores.close();
    }
  }
});

test('CLI: summary, refusal of a non-empty catalog, --verify passes and then catches a corruption', async () => {
  const catalog = await createTestCatalog({ anchoreSchema: false });
  catalogs.push(catalog);
  const env = { ANCHORE_DB_CONNECT: catalog.url };
  const args = ['demo-data', dbFile, '--documents', '300', '--seed', 'cli'];
  const first = await runCli([...args, '--init-schema'], env);
  expect(first.stderr).not.toMatch(/error/i);
  expect(first.code).toBe(0);
  expect(first.stdout).toContain('Wrote 300 documents');
  expect(first.stdout).toMatch(/^analysis_data\s+\d+/m);
  expect(first.stdout).toMatch(/^total\s+300\s/m);

  const second = await runCli(args, env);
  expect(second.code).toBe(1);
  expect(second.stderr).toContain('DemoCatalogNotEmptyError');
  const count = await catalog.pool.query('SELECT count(*)::int AS n FROM archive_metadata');
  expect(count.rows[0].n).toBe(300);

  const verified = await runCli([...args, '--verify'], env);
  expect(verified.code).toBe(0);
  expect(verified.stdout).toContain('Read back 300 of 300');

  await catalog.pool.query(
    `UPDATE archive_document SET jsondata = jsondata || ' ' WHERE ("userId", bucket, "archiveId") IN
       (SELECT "userId", bucket, "archiveId" FROM archive_document WHERE NOT b64_encoded LIMIT 1)`,
  );
  const corrupted = await runCli([...args, '--verify'], env);
  expect(corrupted.code).toBe(5);
  expect(corrupted.stderr).toContain('DemoVerifyFailedError');
  expect(corrupted.stdout).toContain('Read back 299 of 300');
  expect(corrupted.stdout).toContain('DigestMismatchError');
});
