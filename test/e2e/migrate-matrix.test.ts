/**
 * Migrations between every kind of store, each checked byte for byte through the destination config, with
 * sources gone afterwards (or kept with --nodelete), --bucket and the analysis-archive rules honoured.
 */
import { makeFixture, type FixtureDoc } from '../helpers/fixture';
import { configFile, createWorld, expectAllAt, stores, type StoreSpec, type World } from '../helpers/world';

jest.setTimeout(240_000);

let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterAll(() => world?.close());

/** Each case uses its own accounts, so all cases can share one catalog and one worker. */
function fixtureFor(tag: string, count = 60): FixtureDoc[] {
  return makeFixture(count, { seed: tag.length * 7919 }).map((d) => ({ ...d, userId: `${tag}-${d.userId}` }));
}

async function remainingAt(location: string): Promise<number> {
  const r = await world.pool.query(
    `SELECT count(*)::int AS n FROM archive_metadata WHERE starts_with(content_url, $1)`,
    [location],
  );
  return r.rows[0].n;
}

async function expectMigrated(from: StoreSpec, to: StoreSpec, tag: string): Promise<void> {
  const docs = fixtureFor(tag);
  await world.load(from, docs);
  const source = world.manager(from).driver;
  const r = await world.migrate(configFile(from), configFile(to));
  if (r.code !== 0)
    throw new Error(`migrate exited ${r.code}\n${r.stdout}\n${r.stderr}\n${world.worker.output()}`);
  await expectAllAt(world, to, docs);
  // Everything at the source location moved (other cases' documents there too: selection is by location).
  expect(await remainingAt(source.location)).toBe(0);
  // Sources are deleted from the old location, not only unlinked.
  for (const d of docs.slice(0, 10)) {
    expect(await source.exists(source.uriFor({ userId: d.userId, bucket: d.bucket, key: d.key }))).toBe(
      false,
    );
  }
}

test('s3 → db', () => expectMigrated(stores.s3(), stores.db(), 's3db'));
test('db → db2', () => expectMigrated(stores.db(), stores.db2(), 'dbdb2'));
test('db2 → localfs', () => expectMigrated(stores.db2(), stores.localfs(), 'db2fs'));
test('localfs → s3', () => expectMigrated(stores.localfs(), stores.s3(), 'fss3'));
test('s3 bucket A → s3 bucket B (same driver, other location)', () =>
  expectMigrated(stores.s3(), stores.s3(), 's3s3'));

test('--bucket moves only the named logical buckets; --nodelete keeps the sources', async () => {
  const from = stores.db2();
  const to = stores.localfs();
  const docs = fixtureFor('bucketsel');
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
  const docs = fixtureFor('archive');
  const archived = docs.filter((d) => d.bucket === 'analysis_archive');
  const rest = docs.filter((d) => d.bucket !== 'analysis_archive');
  await world.load(objectStore, rest);
  await world.load(archive, archived);
  const sourceConfig = configFile(objectStore, archive);
  const newStore = stores.db2();
  const newArchive = stores.localfs(false);
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
