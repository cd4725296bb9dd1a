/**
 * A versioned source bucket (SeaweedFS, real versioning): a plain migrate's deletes leave every migrated version
 * stored and billable behind its delete marker; `migrate --reclaim-versions` deletes those versions after the
 * markers, so the space comes back (issue 22, item 7).
 */
import { randomUUID } from 'node:crypto';
import {
  CreateBucketCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
} from '@aws-sdk/client-s3';
import { taggedFixture } from '../helpers/fixture';
import { stackEnv } from '../helpers/stack-env';
import { stackS3Client } from '../helpers/stack-s3-client';
import { configFile, createWorld, expectAllAt, stores, type World } from '../helpers/world';

jest.setTimeout(180_000);

let world: World;
const s3 = stackS3Client(stackEnv.s3bEndpoint);
beforeAll(async () => {
  world = await createWorld();
});
afterAll(async () => {
  s3.destroy();
  await world?.close();
});

/** Stored versions and delete markers under `prefix`. */
async function versionsUnder(bucket: string, prefix: string): Promise<{ versions: number; markers: number }> {
  const r = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix }));
  return { versions: r.Versions?.length ?? 0, markers: r.DeleteMarkers?.length ?? 0 };
}

test('--reclaim-versions frees the migrated versions a plain migrate leaves behind its delete markers', async () => {
  const bucket = `aos-versioned-${randomUUID().slice(0, 8)}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(
    new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
  );
  const from = stores.seaweed(bucket);
  const plain = taggedFixture('plain', 8);
  const reclaimed = taggedFixture('reclaimed', 8);

  await world.load(from, plain);
  const first = await world.migrate(configFile(from), configFile(stores.localfs()));
  if (first.code !== 0) throw new Error(`migrate exited ${first.code}\n${first.stdout}\n${first.stderr}`);
  expect(first.stderr).toMatch(/has versioning enabled: .*--reclaim-versions deletes the migrated ones/);
  expect(await versionsUnder(bucket, 'anchore/plain-')).toEqual({ versions: 8, markers: 8 });

  await world.load(from, reclaimed);
  const to = stores.localfs();
  const second = await world.migrate(configFile(from), configFile(to), '--reclaim-versions');
  if (second.code !== 0) throw new Error(`migrate exited ${second.code}\n${second.stdout}\n${second.stderr}`);
  expect(second.stdout).toMatch(/with --reclaim-versions, migrate deletes each migrated version/);
  await expectAllAt(world, to, reclaimed);
  expect(await versionsUnder(bucket, 'anchore/reclaimed-')).toEqual({ versions: 0, markers: 8 });
});

test('--reclaim-versions with --nodelete is refused before anything starts', async () => {
  const r = await world.cli([
    'migrate',
    configFile(stores.db()),
    configFile(stores.localfs()),
    '--dontask',
    '--nodelete',
    '--reclaim-versions',
  ]);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/--reclaim-versions deletes source versions; --nodelete keeps every source/);
});
