/**
 * Migrations into and out of the real OpenStack Swift of the test stack (scripts/swift.sh), each checked byte
 * for byte through the destination config, with the sources deleted and the Swift key never printed.
 */
import { taggedFixture, type FixtureDoc } from '../helpers/fixture';
import { stackEnv } from '../helpers/stack-env';
import { createWorld, expectMigrated, snapshot, stores, type StoreSpec, type World } from '../helpers/world';

jest.setTimeout(300_000);

let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterAll(() => world?.close());

/** The shared checks, plus: the Swift key never appears in CLI or worker output. */
async function expectMigratedKeyUnprinted(
  from: StoreSpec,
  to: StoreSpec,
  docs: readonly FixtureDoc[],
): Promise<void> {
  const r = await expectMigrated(world, from, to, docs, { pageSize: 50 });
  expect(`${r.stdout}${r.stderr}${world.worker.output()}`).not.toContain(stackEnv.swiftKey);
}

test('db → swift, then the reverse swift → db gives back a byte-identical catalog', async () => {
  const docs = taggedFixture('roundtrip', 200, 2 * 1024 * 1024);
  const db = stores.db();
  const swift = stores.swift();
  await world.load(db, docs);
  const before = await snapshot(world.pool);
  await expectMigratedKeyUnprinted(db, swift, docs);
  // Every object is in the container under the URI archive_metadata records (no percent-encoding in it).
  const listed = new Set<string>();
  for await (const o of world.manager(swift).driver.listObjects?.() ?? []) listed.add(o.uri);
  const driver = world.manager(swift).driver;
  for (const d of docs) expect(listed.has(driver.uriFor(d))).toBe(true);
  await expectMigratedKeyUnprinted(swift, db, docs);
  expect(await snapshot(world.pool)).toEqual(before);
});

// db2 as the source: the first case's documents are back in db, and a migration selects by location.
test('db2 → swift → s3', async () => {
  const docs = taggedFixture('tos3', 200);
  const db2 = stores.db2();
  const swift = stores.swift(undefined, 'nested/prefix/');
  const s3 = stores.s3();
  await world.load(db2, docs);
  await expectMigratedKeyUnprinted(db2, swift, docs);
  await expectMigratedKeyUnprinted(swift, s3, docs);
});

test('swift → localfs (uncompressed swift source, compressed destination)', async () => {
  const docs = taggedFixture('tofs', 200);
  const swift = stores.swift(undefined, '', false);
  const localfs = stores.localfs(true);
  await world.load(swift, docs);
  await expectMigratedKeyUnprinted(swift, localfs, docs);
});
