/**
 * Migrations into and out of the real OpenStack Swift of the test stack (scripts/swift.sh), each checked byte
 * for byte through the destination config, with the sources deleted and the Swift key never printed.
 */
import { taggedFixture, type FixtureDoc } from '../helpers/fixture';
import { stackEnv } from '../helpers/stack-env';
import {
  configFile,
  createWorld,
  expectAllAt,
  expectVerifiedBeforeDeleted,
  snapshot,
  stores,
  type StoreSpec,
  type World,
} from '../helpers/world';

jest.setTimeout(300_000);

let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterAll(() => world?.close());

async function rowsAt(location: string): Promise<number> {
  const r = await world.pool.query(
    `SELECT count(*)::int AS n FROM archive_metadata WHERE starts_with(content_url, $1)`,
    [location],
  );
  return r.rows[0].n;
}

async function expectMigrated(from: StoreSpec, to: StoreSpec, docs: readonly FixtureDoc[]): Promise<void> {
  const source = world.manager(from).driver;
  const r = await world.migrate(configFile(from), configFile(to), '--page-size', '50');
  if (r.code !== 0)
    throw new Error(`migrate exited ${r.code}\n${r.stdout}\n${r.stderr}\n${world.worker.output()}`);
  expect(`${r.stdout}${r.stderr}${world.worker.output()}`).not.toContain(stackEnv.swiftKey);
  expect(await world.task(r.taskId)).toEqual({ state: 'complete', total: docs.length, done: docs.length });
  await expectVerifiedBeforeDeleted(world.pool, r.taskId);
  await expectAllAt(world, to, docs);
  expect(await rowsAt(source.location)).toBe(0);
  for (const d of docs) {
    expect(await source.exists(source.uriFor({ userId: d.userId, bucket: d.bucket, key: d.key }))).toBe(
      false,
    );
  }
}

test('db → swift, then the reverse swift → db gives back a byte-identical catalog', async () => {
  const docs = taggedFixture('roundtrip', 200, 2 * 1024 * 1024);
  const db = stores.db();
  const swift = stores.swift();
  await world.load(db, docs);
  const before = await snapshot(world.pool);
  await expectMigrated(db, swift, docs);
  // Every object is in the container under the URI archive_metadata records (no percent-encoding in it).
  const listed = new Set<string>();
  for await (const o of world.manager(swift).driver.listObjects?.() ?? []) listed.add(o.uri);
  const driver = world.manager(swift).driver;
  for (const d of docs) expect(listed.has(driver.uriFor(d))).toBe(true);
  await expectMigrated(swift, db, docs);
  expect(await snapshot(world.pool)).toEqual(before);
});

// db2 as the source: the first case's documents are back in db, and a migration selects by location.
test('db2 → swift → s3', async () => {
  const docs = taggedFixture('tos3', 200);
  const db2 = stores.db2();
  const swift = stores.swift(undefined, 'nested/prefix/');
  const s3 = stores.s3();
  await world.load(db2, docs);
  await expectMigrated(db2, swift, docs);
  await expectMigrated(swift, s3, docs);
});

test('swift → localfs (uncompressed swift source, compressed destination)', async () => {
  const docs = taggedFixture('tofs', 200);
  const swift = stores.swift(undefined, '', false);
  const localfs = stores.localfs(true);
  await world.load(swift, docs);
  await expectMigrated(swift, localfs, docs);
});
