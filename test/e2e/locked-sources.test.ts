/**
 * Sources the old store refuses to delete (Object Lock: a legal hold or retention; a policy that denies their
 * delete) are reported, not failed (issue 22, item 7): their documents move, the rows point at the copies, the
 * sources stay and are journaled `kept` (source_kept), and migrate says so. On the stack's real VersityGW, which
 * refuses a whole DeleteObjects for one locked object.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectLegalHoldCommand } from '@aws-sdk/client-s3';
import { taggedFixture, type FixtureDoc } from '../helpers/fixture';
import { stackS3Client } from '../helpers/stack-s3-client';
import { configFile, createWorld, expectAllAt, stores, type World } from '../helpers/world';

jest.setTimeout(180_000);

let world: World;
const s3 = stackS3Client();
beforeAll(async () => {
  world = await createWorld();
});
afterAll(async () => {
  s3.destroy();
  await world?.close();
});

test('sources under a legal hold are kept and reported; everything moves; exit 0', async () => {
  const bucket = `aos-locked-${randomUUID().slice(0, 8)}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
  const from = stores.s3(bucket);
  const to = stores.localfs();
  const docs = taggedFixture('locked', 12);
  await world.load(from, docs);
  const source = world.manager(from).driver;
  const held = [docs[2], docs[5], docs[9]] as FixtureDoc[];
  for (const d of held) {
    const uri = source.uriFor({ userId: d.userId, bucket: d.bucket, key: d.key });
    await s3.send(
      new PutObjectLegalHoldCommand({
        Bucket: bucket,
        Key: uri.slice(`s3://${bucket}/`.length),
        LegalHold: { Status: 'ON' },
      }),
    );
  }

  const r = await world.migrate(configFile(from), configFile(to));
  if (r.code !== 0)
    throw new Error(`migrate exited ${r.code}\n${r.stdout}\n${r.stderr}\n${world.worker.output()}`);
  expect(r.stdout).toContain('3 source(s) kept');
  expect(await world.task(r.taskId)).toEqual({ state: 'complete', total: 12, done: 12 });
  await expectAllAt(world, to, docs);
  for (const d of docs) {
    const uri = source.uriFor({ userId: d.userId, bucket: d.bucket, key: d.key });
    expect([uri, await source.exists(uri)]).toEqual([uri, held.includes(d)]);
  }
  const csv = join(tmpdir(), `kept-${r.taskId}-${process.pid}.csv`);
  expect((await world.cli(['status', String(r.taskId), '--failures', csv])).code).toBe(0);
  const kept = readFileSync(csv, 'utf8').trim().split('\n').slice(1);
  expect(kept).toHaveLength(3);
  for (const line of kept) expect(line).toMatch(/source_kept/);
});
