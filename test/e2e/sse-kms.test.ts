/**
 * Buckets with default SSE-KMS encryption, as on AWS: no single-part ETag is the body's md5 there (a proxy in
 * front of the real VersityGW answers as such a bucket does, test/helpers/s3-behaviour-proxy.ts). Copies are
 * verified, server-side copies checked and audits run without ever reading such an ETag as an md5 (issue 22,
 * item 1): nothing fails verify_mismatch, nothing is called corrupt.
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { taggedFixture } from '../helpers/fixture';
import { startS3BehaviourProxy, type S3BehaviourProxy } from '../helpers/s3-behaviour-proxy';
import { stackEnv } from '../helpers/stack-env';
import { configFile, createWorld, expectAllAt, s3Through, stores, type World } from '../helpers/world';

jest.setTimeout(180_000);

let world: World;
let proxy: S3BehaviourProxy;
beforeAll(async () => {
  world = await createWorld();
  proxy = await startS3BehaviourProxy(stackEnv.s3Endpoint);
  proxy.setSseKms(true);
});
afterAll(async () => {
  await proxy?.close();
  await world?.close();
});

const kms = () => s3Through(stores.s3(), proxy.url);

test('db → an SSE-KMS bucket → another SSE-KMS bucket (server-side), then audit: all verified, none corrupt', async () => {
  const from = stores.db();
  const encrypted = kms();
  const docs = taggedFixture('ssekms', 24);
  await world.load(from, docs);

  const written = await world.migrate(configFile(from), configFile(encrypted));
  if (written.code !== 0)
    throw new Error(`migrate exited ${written.code}\n${written.stdout}\n${written.stderr}`);
  await expectAllAt(world, encrypted, docs);

  const other = kms();
  const copied = await world.migrate(configFile(encrypted), configFile(other));
  if (copied.code !== 0) throw new Error(`migrate exited ${copied.code}\n${copied.stdout}\n${copied.stderr}`);
  await expectAllAt(world, other, docs);
  // The copies went server-side (CopyObject), not through the worker.
  expect(
    proxy.seen.filter((r) => r.method === 'PUT' && r.headers['x-amz-copy-source']).length,
  ).toBeGreaterThan(0);

  const report = join(tmpdir(), `sse-kms-audit-${process.pid}.json`);
  const audited = await world.cli(['audit', configFile(other), '--report', report]);
  const problems = (JSON.parse(readFileSync(report, 'utf8')) as { problems: unknown[] }).problems;
  expect(problems).toEqual([]);
  expect(audited.code).toBe(0);
});
