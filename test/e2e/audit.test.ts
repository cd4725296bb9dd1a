/**
 * `objectstorage audit` end to end on real backends: a fixture loaded into s3 (and into db with its analysis
 * archive on s3) audits clean; then objects are deleted, corrupted (size changed, size kept, multipart, bad
 * zlib), an orphan is added and a row pointed elsewhere, and the report must list exactly those, with the
 * right codes, in default and --full mode. The catalog and the store must be byte-identical after every audit.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { Pool } from 'pg';
import { createPgMetadataStore } from '../../src/catalog';
import { md5Hex } from '../../src/drivers/util';
import type { ObjectStoreDriver } from '../../src/drivers/types';
import { makeFixture, type FixtureDoc } from '../helpers/fixture';
import { stackEnv } from '../helpers/stack-env';
import { stackS3Client } from '../helpers/stack-s3-client';
import { configFile, createWorld, stores, type StoreSpec, type World } from '../helpers/world';

jest.setTimeout(300_000);

interface Problem {
  code: string;
  userId: string;
  bucket: string;
  archiveId: string;
  url: string;
  detail: string;
}
interface AuditRun {
  code: number;
  stdout: string;
  stderr: string;
  problems: Problem[];
  summary: Record<string, unknown> & { rowsChecked: number; objectsListed: number; method: string };
}

const reportDir = mkdtempSync(join(tmpdir(), 'aos-audit-'));
let reports = 0;

/** Runs `audit` with a JSON report and returns the report's problems and summary. */
async function audit(world: World, args: readonly string[]): Promise<AuditRun> {
  const report = join(reportDir, `report-${++reports}.json`);
  const r = await world.cli(['audit', ...args, '--report', report]);
  if (r.code !== 0 && r.code !== 6) throw new Error(`audit exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  const parsed = JSON.parse(readFileSync(report, 'utf8')) as Pick<AuditRun, 'problems' | 'summary'>;
  return { ...r, ...parsed };
}

const found = (run: AuditRun): string[] => run.problems.map((p) => `${p.code} ${p.url}`).sort();

/** Every catalog table the tool could touch, all columns (timestamps too), bodies as md5. */
async function catalogDump(pool: Pool): Promise<unknown> {
  const q = async (sql: string): Promise<unknown[]> => (await pool.query(sql)).rows;
  return {
    metadata: await q(`SELECT to_jsonb(t) AS r FROM archive_metadata t ORDER BY 1`),
    documents: await q(`SELECT to_jsonb(t) AS r FROM archive_document t ORDER BY 1`),
    objects: await q(
      `SELECT "userId", bucket, key, version, created_at, last_updated, md5(content) FROM object_storage ORDER BY 1, 2, 3, 4`,
    ),
    tasks: await q(`SELECT to_jsonb(t) AS r FROM tasks t ORDER BY 1`),
  };
}

/** Every object of an S3 bucket with size, ETag and modification time, read with the SDK directly. */
async function bucketDump(bucket: string): Promise<unknown[]> {
  const client = stackS3Client();
  const out: unknown[] = [];
  let token: string | undefined;
  try {
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
      for (const o of page.Contents ?? []) out.push([o.Key, o.Size, o.ETag, o.LastModified?.toISOString()]);
      token = page.NextContinuationToken;
    } while (token);
  } finally {
    client.destroy();
  }
  return out;
}

async function rowOf(
  pool: Pool,
  d: Pick<FixtureDoc, 'userId' | 'bucket' | 'key'>,
): Promise<{ url: string; compressed: boolean }> {
  const r = await pool.query(
    `SELECT content_url, is_compressed FROM archive_metadata WHERE "userId" = $1 AND bucket = $2 AND "archiveId" = $3`,
    [d.userId, d.bucket, d.key],
  );
  return { url: r.rows[0].content_url, compressed: r.rows[0].is_compressed };
}

/** A row pointing at another location, as a half-finished migration leaves it. */
async function addRowElsewhere(pool: Pool, url: string, archiveId: string): Promise<void> {
  await createPgMetadataStore(pool).upsert({
    userId: 'admin',
    bucket: 'analysis_data',
    archiveId,
    contentUrl: url,
    isCompressed: false,
    digest: md5Hex('elsewhere'),
    size: 9,
  });
}

const flipFirstByte = (b: Buffer): Buffer => {
  const c = Buffer.from(b);
  c[0] = (c[0] ?? 0) ^ 0xff;
  return c;
};

describe('s3 store', () => {
  let world: World;
  let s3: StoreSpec;
  let config: string;
  let driver: ObjectStoreDriver;
  const docs = makeFixture(30, { largeBytes: 17 * 1024 * 1024 });

  beforeAll(async () => {
    world = await createWorld();
    s3 = stores.s3();
    config = configFile(s3);
    await world.load(s3, docs);
    driver = world.manager(s3).driver;
  });
  afterAll(() => world?.close());

  test('a freshly loaded store is clean in both modes', async () => {
    const quick = await audit(world, [config]);
    expect(quick.code).toBe(0);
    expect(quick.problems).toEqual([]);
    expect(quick.summary).toMatchObject({ clean: true, method: 'stat', rowsChecked: docs.length });
    expect(quick.summary.objectsListed).toBe(docs.length);
    expect(quick.stdout).toContain('Audit: clean');

    const full = await audit(world, [config, '--full']);
    expect(full.code).toBe(0);
    expect(full.summary).toMatchObject({ clean: true, method: 'read', rowsChecked: docs.length });
  });

  test('reports exactly the damage done, with its codes; --full also finds what metadata calls cannot', async () => {
    const small = docs.filter((d) => d.key !== 'large-grypedb' && d.logical.length > 0);
    const [gone, grown, flipped] = small.slice(0, 3) as [FixtureDoc, FixtureDoc, FixtureDoc];
    const goneUrl = (await rowOf(world.pool, gone)).url;
    await driver.delete(goneUrl);
    const grownUrl = (await rowOf(world.pool, grown)).url;
    await driver.put(grown, Buffer.concat([await driver.get(grownUrl), Buffer.from('x')]));
    const flippedUrl = (await rowOf(world.pool, flipped)).url;
    await driver.put(flipped, flipFirstByte(await driver.get(flippedUrl)));

    // Same size, multipart upload: its ETag is not an md5, so only reading the body shows the change.
    const large = docs.find((d) => d.key === 'large-grypedb') as FixtureDoc;
    const largeUrl = (await rowOf(world.pool, large)).url;
    await driver.put(large, flipFirstByte(await driver.get(largeUrl)));

    // Not zlib, yet digest and size match the row: only decompressing shows it.
    const compressed = small.slice(3).find((d) => d.logical.length > 2048) as FixtureDoc;
    const zRow = await rowOf(world.pool, compressed);
    expect(zRow.compressed).toBe(true);
    const garbage = randomBytes(300);
    await driver.put(compressed, garbage);
    await world.pool.query(`UPDATE archive_metadata SET digest = $1, size = $2 WHERE content_url = $3`, [
      md5Hex(garbage),
      garbage.length,
      zRow.url,
    ]);

    const orphanUrl = await driver.put(
      { userId: 'admin', bucket: 'analysis_data', key: 'no-row' },
      Buffer.from('x'),
    );
    const elsewhereUrl = 'db://admin/analysis_data/left-behind';
    await addRowElsewhere(world.pool, elsewhereUrl, 'left-behind');

    const catalogBefore = await catalogDump(world.pool);
    const bucketBefore = await bucketDump(String(s3.config.bucket));

    const quick = await audit(world, [config]);
    expect(quick.code).toBe(6);
    expect(quick.stderr).toContain('AuditFoundProblemsError');
    expect(found(quick)).toEqual(
      [
        `missing ${goneUrl}`,
        `size_mismatch ${grownUrl}`,
        `digest_mismatch ${flippedUrl}`,
        `orphan ${orphanUrl}`,
        `other_location ${elsewhereUrl}`,
      ].sort(),
    );
    expect(quick.summary.otherLocations).toEqual([{ prefix: 'db://', rows: 1 }]);
    expect(quick.problems.find((p) => p.code === 'orphan')).toMatchObject({
      userId: 'admin',
      bucket: 'analysis_data',
      archiveId: 'no-row',
    });

    const full = await audit(world, [config, '--full', '--concurrency', '2']);
    expect(full.code).toBe(6);
    expect(found(full)).toEqual(
      [...found(quick), `digest_mismatch ${largeUrl}`, `decompress_failed ${zRow.url}`].sort(),
    );

    // --json: one JSON document on stdout with the same counts; CSV report: a header and one line per finding (the row elsewhere too).
    const csv = join(reportDir, 'report.csv');
    const json = await world.cli(['--json', 'audit', config, '--report', csv]);
    expect(json.code).toBe(6);
    const result = JSON.parse(json.stdout);
    expect(result).toMatchObject({ clean: false, problemsTotal: 4, problems: { missing: 1, orphan: 1 } });
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('code,userId,bucket,archiveId,url,detail');
    expect(lines).toHaveLength(6);
    expect(`${json.stdout}${json.stderr}${quick.stdout}${quick.stderr}`).not.toContain(stackEnv.s3SecretKey);

    expect(await catalogDump(world.pool)).toEqual(catalogBefore);
    expect(await bucketDump(String(s3.config.bucket))).toEqual(bucketBefore);
  });
});

describe('db store with its analysis archive on s3', () => {
  let world: World;
  let db: StoreSpec;
  let archive: StoreSpec;
  let config: string;
  const docs = makeFixture(60);
  const inArchive = docs.filter((d) => d.bucket === 'analysis_archive');
  const inDb = docs.filter((d) => d.bucket !== 'analysis_archive');

  beforeAll(async () => {
    world = await createWorld();
    db = stores.db();
    archive = stores.s3();
    config = configFile(db, archive);
    await world.load(db, inDb);
    await world.load(archive, inArchive);
  });
  afterAll(() => world?.close());

  test('each section audits clean; the other section’s rows are not "elsewhere"', async () => {
    const store = await audit(world, [config]);
    expect(store.code).toBe(0);
    expect(store.summary).toMatchObject({
      clean: true,
      method: 'read',
      rowsChecked: inDb.length,
      otherLocations: [],
    });
    expect(store.summary.objectsListed).toBe(inDb.length);
    expect(store.stdout).toContain('Not audited: analysis_archive');

    const arch = await audit(world, [config, '--analysis-archive']);
    expect(arch.code).toBe(0);
    expect(arch.summary).toMatchObject({ clean: true, method: 'stat', rowsChecked: inArchive.length });
    expect(arch.summary.objectsListed).toBe(inArchive.length);
  });

  test('finds a deleted body, a same-size corruption, an orphan and a row elsewhere; --bucket narrows', async () => {
    const text = inDb.filter((d) => d.logical[0] === 0x7b); // '{': stored as text in archive_document
    const [gone, changed] = text as [FixtureDoc, FixtureDoc];
    const goneUrl = (await rowOf(world.pool, gone)).url;
    await world.pool.query(
      `DELETE FROM archive_document WHERE bucket = $1 AND "archiveId" = $2 AND "userId" = $3`,
      [gone.bucket, gone.key, gone.userId],
    );
    const changedUrl = (await rowOf(world.pool, changed)).url;
    const swapped = await world.pool.query(
      `UPDATE archive_document SET jsondata = '[' || substr(jsondata, 2)
       WHERE bucket = $1 AND "archiveId" = $2 AND "userId" = $3 AND NOT b64_encoded`,
      [changed.bucket, changed.key, changed.userId],
    );
    expect(swapped.rowCount).toBe(1);
    const orphanUrl = await world
      .manager(db)
      .driver.put({ userId: 'acme-team', bucket: 'policy_bundles', key: 'no-row' }, Buffer.from('{}'));
    const elsewhereUrl = 's3://old-bucket/anchore/admin/analysis_data/left-behind';
    await addRowElsewhere(world.pool, elsewhereUrl, 'left-behind');
    const catalogBefore = await catalogDump(world.pool);
    const archiveBefore = await bucketDump(String(archive.config.bucket));

    const run = await audit(world, [config]);
    expect(run.code).toBe(6);
    expect(found(run)).toEqual(
      [
        `missing ${goneUrl}`,
        `digest_mismatch ${changedUrl}`,
        `orphan ${orphanUrl}`,
        `other_location ${elsewhereUrl}`,
      ].sort(),
    );
    expect(run.summary.otherLocations).toEqual([{ prefix: 's3://old-bucket/', rows: 1 }]);

    // A bucket none of the damage is in audits clean; the archive section is untouched by all of it.
    const damaged = new Set([gone.bucket, changed.bucket, 'policy_bundles', 'analysis_data']);
    const untouched = inDb.find((d) => !damaged.has(d.bucket))?.bucket as string;
    const narrow = await audit(world, [config, '--bucket', untouched]);
    expect(narrow.code).toBe(0);
    expect(narrow.summary.rowsChecked).toBe(inDb.filter((d) => d.bucket === untouched).length);
    expect((await audit(world, [config, '--analysis-archive'])).code).toBe(0);

    expect(await catalogDump(world.pool)).toEqual(catalogBefore);
    expect(await bucketDump(String(archive.config.bucket))).toEqual(archiveBefore);
  });
});

describe('the old store after a migration', () => {
  let world: World;
  const docs = makeFixture(40, { seed: 7 });
  beforeAll(async () => {
    world = await createWorld();
    await world.load(stores.s3(), docs); // every row points at s3: as after a migration db → s3
  });
  afterAll(() => world?.close());

  test('rows that point at the new store are information, not problems: exit 0; a real problem still leads', async () => {
    const db = stores.db();
    const old = await audit(world, [configFile(db)]);
    expect(old.code).toBe(0);
    expect(old.summary).toMatchObject({ clean: true, problemsTotal: 0 });
    expect(old.stdout).toMatch(/Elsewhere: 40 row\(s\) at s3:\/\//);
    expect(old.stdout).toMatch(/Audit: clean/);

    // One orphan among 40 rows elsewhere: exit 6, and the orphan is the first thing shown.
    const orphanUrl = await world
      .manager(db)
      .driver.put({ userId: 'admin', bucket: 'analysis_data', key: 'left-over' }, Buffer.from('{}'));
    const one = await audit(world, [configFile(db)]);
    expect(one.code).toBe(6);
    expect(one.summary).toMatchObject({ clean: false, problemsTotal: 1 });
    const lines = one.stdout.split('\n');
    expect(lines[0]).toMatch(/^Audit: 1 problem\(s\) found/);
    expect(lines.find((l) => /^\s+(orphan|other_location)/.test(l))).toContain(`orphan`);
    expect(lines.find((l) => /^\s+(orphan|other_location)/.test(l))).toContain(orphanUrl);
  });
});
