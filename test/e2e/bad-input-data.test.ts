/**
 * Bad documents: five kinds of broken source documents fail alone (journaled, listed by `status --failures`,
 * left untouched) while the rest migrate; and awkward but valid documents (50 MiB, zero bytes, unicode, `/`
 * and `:` in keys) migrate and read back.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { peakRssBytes } from '../helpers/bad-input';
import { taggedFixture, type FixtureDoc } from '../helpers/fixture';
import { configFile, createWorld, expectAllAt, stores, type StoreSpec, type World } from '../helpers/world';

jest.setTimeout(180_000);

let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterAll(() => world?.close());

const where = `"userId" = $1 AND bucket = $2 AND "archiveId" = $3`;
const keyOf = (d: FixtureDoc): string[] => [d.userId, d.bucket, d.key];

/** The metadata row and the `db` body row of one document, as stored (for "untouched" comparisons). */
async function rowsOf(d: FixtureDoc): Promise<unknown> {
  const q = async (sql: string): Promise<unknown[]> => (await world.pool.query(sql, keyOf(d))).rows;
  return {
    metadata: await q(`SELECT content_url, is_compressed, digest, size FROM archive_metadata WHERE ${where}`),
    body: await q(`SELECT jsondata, b64_encoded FROM archive_document WHERE ${where}`),
  };
}

test('md5 ≠ digest, bad zlib, non-UTF-8 text, unparseable content_url, missing source: each fails alone', async () => {
  const from = stores.db();
  const to = stores.s3();
  const docs = taggedFixture('bad', 30);
  await world.load(from, docs);
  const nonUtf8 = docs.find((d) => !Buffer.from(d.logical.toString('utf8'), 'utf8').equals(d.logical));
  if (!nonUtf8) throw new Error('the fixture has no non-UTF-8 body');
  const [md5, zlib, badUrl, missing] = docs.filter((d) => d !== nonUtf8 && d.logical.length > 0).slice(3, 7);
  const bad = new Map<FixtureDoc, string>();
  // Digest that does not match the stored bytes.
  await world.pool.query(`UPDATE archive_metadata SET digest = md5('other') WHERE ${where}`, keyOf(md5!));
  bad.set(md5!, 'digest_mismatch');
  // Flagged compressed, but the stored bytes are plain JSON: does not inflate.
  await world.pool.query(`UPDATE archive_metadata SET is_compressed = true WHERE ${where}`, keyOf(zlib!));
  bad.set(zlib!, 'corrupt_source');
  // A binary body the db driver keeps as base64, with the flag cleared: read as text it is other bytes.
  await world.pool.query(`UPDATE archive_document SET b64_encoded = false WHERE ${where}`, keyOf(nonUtf8));
  bad.set(nonUtf8, 'size_mismatch');
  // A db:// URL without bucket and key: selected by location, but not a document address.
  await world.pool.query(
    `UPDATE archive_metadata SET content_url = 'db://' || "userId" WHERE ${where}`,
    keyOf(badUrl!),
  );
  bad.set(badUrl!, 'bad_content_url');
  // The metadata row points at a body that is gone.
  await world.pool.query(`DELETE FROM archive_document WHERE ${where}`, keyOf(missing!));
  bad.set(missing!, 'source_missing');
  const before = await Promise.all([...bad.keys()].map(rowsOf));

  const r = await world.migrate(configFile(from), configFile(to));
  if (r.code !== 2) throw new Error(`expected exit 2, got ${r.code}\n${r.stdout}\n${r.stderr}`);
  expect(r.stdout).toContain(`5 document(s) failed; list them with: objectstorage status ${r.taskId}`);
  expect((await world.task(r.taskId)).state).toBe('failed');

  const journal = await world.pool.query(
    `SELECT "userId", bucket, "archiveId", error_code FROM objectstorage_journal WHERE task_id = $1 AND phase = 'failed'`,
    [r.taskId],
  );
  const expected = [...bad].map(([d, code]) => `${d.userId}/${d.bucket}/${d.key} ${code}`).sort();
  const journaled = journal.rows.map((j) => `${j.userId}/${j.bucket}/${j.archiveId} ${j.error_code}`);
  expect(journaled.sort()).toEqual(expected);

  const csv = join(tmpdir(), `bad-input-failures-${r.taskId}-${process.pid}.csv`);
  expect((await world.cli(['status', String(r.taskId), '--failures', csv])).code).toBe(0);
  const lines = readFileSync(csv, 'utf8').trim().split('\n').slice(1);
  expect(lines.map((l) => `${l.split(',').slice(0, 3).join('/')} ${l.split(',')[5]}`).sort()).toEqual(
    expected,
  );

  await expectAllAt(
    world,
    to,
    docs.filter((d) => !bad.has(d)),
  );
  expect(await Promise.all([...bad.keys()].map(rowsOf))).toEqual(before);
  // The other tests select db:// too: take the broken documents out of their way.
  for (const d of bad.keys()) {
    await world.pool.query(`DELETE FROM archive_metadata WHERE ${where}`, keyOf(d));
    await world.pool.query(`DELETE FROM archive_document WHERE ${where}`, keyOf(d));
  }
});

test('s3 → s3 server-side copies: md5 ≠ digest and a missing source fail alone, at copy time; size ≠ size at verify', async () => {
  const from = stores.s3();
  const to = stores.s3();
  const docs = taggedFixture('ssc', 12).filter((d) => d.logical.length > 0);
  await world.load(from, docs);
  const [md5, missing, size] = docs.slice(2, 5);
  const bad = new Map<FixtureDoc, string>([
    [md5!, 'digest_mismatch'],
    [missing!, 'source_missing'],
    [size!, 'verify_mismatch'],
  ]);
  await world.pool.query(`UPDATE archive_metadata SET digest = md5('other') WHERE ${where}`, keyOf(md5!));
  // The conditional copy proves the bytes (md5); a size the metadata gets wrong shows on the copy's HEAD.
  await world.pool.query(`UPDATE archive_metadata SET size = size + 1 WHERE ${where}`, keyOf(size!));
  const source = world.manager(from);
  const gone = await world.pool.query(
    `SELECT content_url FROM archive_metadata WHERE ${where}`,
    keyOf(missing!),
  );
  await source.driver.delete(gone.rows[0].content_url as string);

  const r = await world.migrate(configFile(from), configFile(to));
  if (r.code !== 2) throw new Error(`expected exit 2, got ${r.code}\n${r.stdout}\n${r.stderr}`);
  const journal = await world.pool.query(
    `SELECT "userId", bucket, "archiveId", error_code FROM objectstorage_journal WHERE task_id = $1 AND phase = 'failed'`,
    [r.taskId],
  );
  const journaled = journal.rows.map((j) => `${j.userId}/${j.bucket}/${j.archiveId} ${j.error_code}`);
  expect(journaled.sort()).toEqual(
    [...bad].map(([d, code]) => `${d.userId}/${d.bucket}/${d.key} ${code}`).sort(),
  );
  await expectAllAt(
    world,
    to,
    docs.filter((d) => !bad.has(d)),
  );
  // The failed documents still point at their sources, which are left as they were.
  for (const d of [md5!, size!]) {
    const row = await world.pool.query(`SELECT content_url FROM archive_metadata WHERE ${where}`, keyOf(d));
    expect(await source.driver.exists(row.rows[0].content_url as string)).toBe(true);
    expect(row.rows[0].content_url as string).toContain(String(from.config.bucket));
  }
  for (const d of bad.keys()) await world.pool.query(`DELETE FROM archive_metadata WHERE ${where}`, keyOf(d));
});

/** Peak RSS of a fresh worker over one migration (the worker is replaced first so earlier work does not count). */
async function migrateMeasured(from: StoreSpec, to: StoreSpec, docs: readonly FixtureDoc[]): Promise<number> {
  await world.worker.stop();
  world.worker = world.startWorker();
  const r = await world.migrate(configFile(from), configFile(to));
  if (r.code !== 0) throw new Error(`exit ${r.code}\n${r.stdout}\n${r.stderr}\n${world.worker.output()}`);
  const peak = peakRssBytes(readFileSync(`/proc/${world.worker.child.pid}/status`, 'utf8'));
  await expectAllAt(world, to, docs);
  process.stdout.write(
    `[bad-input] 50 MiB document ${from.name} → ${to.name}: worker peak RSS ${Math.round(peak / 2 ** 20)} MiB\n`,
  );
  return peak;
}

test('a 50 MiB document migrates db2 → s3 → localfs; worker peak RSS is bounded', async () => {
  // Random bytes: incompressible, so the stored size stays 50 MiB whatever the compression settings.
  const big: FixtureDoc = {
    userId: 'big-admin',
    bucket: 'grypedb',
    key: 'grypedb-50mib.tar.gz',
    logical: randomBytes(50 * 1024 * 1024),
  };
  const docs = [big, ...taggedFixture('big', 10)];
  const db2 = stores.db2(false);
  const s3 = stores.s3();
  await world.load(db2, docs);
  const fromDb2 = await migrateMeasured(db2, s3, docs);
  const fromS3 = await migrateMeasured(s3, stores.localfs(), docs);
  // Bodies are held as Buffers (a few times the document over the worker's ~200 MiB); the SQL drivers read large
  // bodies in 4 MiB slices, since node-pg would hold a whole row plus its hex text (about 10× the document).
  expect(fromS3).toBeLessThan(600 * 1024 * 1024);
  expect(fromDb2).toBeLessThan(600 * 1024 * 1024);
});

test('unicode, `/` and `:` in keys, and a zero-byte document: db → s3 → localfs, read back', async () => {
  const odd: FixtureDoc[] = [
    {
      userId: 'odd-ünïcødé',
      bucket: 'analysis_data',
      key: 'sha256:ab/cd:ef/ünï 文档',
      logical: Buffer.from('x'),
    },
    {
      userId: 'odd-admin',
      bucket: 'vulnerability_scan',
      key: 'sha256:1/docker.io/a:b',
      logical: Buffer.from('{}'),
    },
    { userId: 'odd-admin', bucket: 'query_data', key: 'empty:/doc', logical: Buffer.alloc(0) },
    {
      userId: 'odd-admin',
      bucket: 'manifest_data',
      key: '🙂/:/🙃',
      logical: Buffer.from('{"document": "ü"}'),
    },
  ];
  const db = stores.db();
  const s3 = stores.s3();
  const localfs = stores.localfs();
  await world.load(db, odd);
  for (const [from, to] of [
    [db, s3],
    [s3, localfs],
  ] as const) {
    const r = await world.migrate(configFile(from), configFile(to));
    if (r.code !== 0) throw new Error(`exit ${r.code}\n${r.stdout}\n${r.stderr}\n${world.worker.output()}`);
    expect(await world.task(r.taskId)).toEqual({ state: 'complete', total: odd.length, done: odd.length });
    await expectAllAt(world, to, odd);
  }
});
