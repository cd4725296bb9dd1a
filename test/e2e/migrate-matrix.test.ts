/**
 * Migrations between every kind of store, each checked byte for byte through the destination config, with
 * sources gone afterwards (or kept with --nodelete), --bucket and the analysis-archive rules honoured.
 */
import { taggedFixture } from '../helpers/fixture';
import {
  configFile,
  createWorld,
  expectMigrated,
  expectAllAt,
  snapshot,
  stores,
  type World,
} from '../helpers/world';

jest.setTimeout(240_000);

let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterAll(() => world?.close());

describe('one fixture of 2,000 documents (every logical bucket, two accounts, 0 B to 6 MiB) through every kind of store, on two S3 servers', () => {
  const docs = taggedFixture('chain', 2000, 6 * 1024 * 1024);
  const db = stores.db();
  const s3a = stores.s3();
  const db2 = stores.db2();
  const localfs = stores.localfs();
  const s3b = stores.s3();
  const weed = stores.seaweed();
  const weedb = stores.seaweed();
  const db2b = stores.db2();

  beforeAll(() => world.load(db, docs));
  test('db → s3', () => expectMigrated(world, db, s3a, docs, { pageSize: 100, sourcesChecked: 50 }));
  test('s3 → db', () => expectMigrated(world, s3a, db, docs, { pageSize: 100, sourcesChecked: 50 }));
  test('db → db2', () => expectMigrated(world, db, db2, docs, { pageSize: 100, sourcesChecked: 50 }));
  test('db2 → localfs', () =>
    expectMigrated(world, db2, localfs, docs, { pageSize: 100, sourcesChecked: 50 }));
  test('localfs → s3', () =>
    expectMigrated(world, localfs, s3a, docs, { pageSize: 100, sourcesChecked: 50 }));
  test('s3 bucket A → s3 bucket B (same driver, other location)', () =>
    expectMigrated(world, s3a, s3b, docs, { pageSize: 100, sourcesChecked: 50 }));
  test('s3 on VersityGW → s3 on SeaweedFS (another server: read and written)', () =>
    expectMigrated(world, s3b, weed, docs, { pageSize: 100, sourcesChecked: 50 }));
  test('SeaweedFS bucket A → bucket B (server-side copies on the second server)', () =>
    expectMigrated(world, weed, weedb, docs, { pageSize: 100, sourcesChecked: 50 }));
  test('s3 → db2 (db2 holds them all again)', () =>
    expectMigrated(world, weedb, db2b, docs, { pageSize: 100, sourcesChecked: 50 }));
});

test('--bucket moves only the named logical buckets; --nodelete keeps the sources', async () => {
  const from = stores.db2();
  const to = stores.localfs();
  const docs = taggedFixture('bucketsel');
  await world.load(from, docs);
  const r = await world.migrate(
    configFile(from),
    configFile(to),
    '--bucket',
    'analysis_data',
    '--bucket',
    'grypedb',
    '--nodelete',
  );
  expect(r.code).toBe(0);
  const moved = docs.filter((d) => d.bucket === 'analysis_data' || d.bucket === 'grypedb');
  await expectAllAt(world, to, moved);
  await expectAllAt(
    world,
    from,
    docs.filter((d) => !moved.includes(d)),
  );
  const source = world.manager(from).driver;
  for (const d of moved)
    expect(await source.exists(source.uriFor({ userId: d.userId, bucket: d.bucket, key: d.key }))).toBe(true);
});

test('analysis archive: the object store leaves a separate archive alone; --from-analysis-archive moves only it', async () => {
  const objectStore = stores.db();
  const archive = stores.s3();
  const docs = taggedFixture('archive');
  const archived = docs.filter((d) => d.bucket === 'analysis_archive');
  const rest = docs.filter((d) => d.bucket !== 'analysis_archive');
  await world.load(objectStore, rest);
  await world.load(archive, archived);
  const sourceConfig = configFile(objectStore, archive);
  const newStore = stores.db2();
  const newArchive = stores.localfs(false);
  const before = await snapshot(world.pool);
  const plan = await world.cli(['--json', 'plan', sourceConfig, configFile(newStore, newArchive)]);
  expect(plan.code).toBe(0);
  const planned = JSON.parse(plan.stdout);
  expect(planned.selection.excludeBuckets).toEqual(['analysis_archive']);
  expect(planned.buckets.some((b: { bucket: string }) => b.bucket === 'analysis_archive')).toBe(false);
  expect(await snapshot(world.pool)).toEqual(before); // plan writes nothing
  const archivePlan = await world.cli([
    'plan',
    sourceConfig,
    configFile(newStore, newArchive),
    '--from-analysis-archive',
  ]);
  expect(archivePlan.stdout).toMatch(new RegExp(`^analysis_archive\\s+${archived.length}\\s`, 'm'));
  const r1 = await world.migrate(sourceConfig, configFile(newStore, newArchive));
  expect(r1.code).toBe(0);
  await expectAllAt(world, newStore, rest);
  await expectAllAt(world, archive, archived); // untouched: it has its own analysis_archive store
  const r2 = await world.migrate(
    sourceConfig,
    configFile(newStore, newArchive),
    '--from-analysis-archive',
    '--to-analysis-archive',
  );
  expect(r2.code).toBe(0);
  expect(r2.stdout).toContain('analysis_archive:');
  await expectAllAt(world, newArchive, archived);
});
