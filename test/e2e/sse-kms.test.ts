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
const proxies: S3BehaviourProxy[] = [];
beforeAll(async () => {
  world = await createWorld();
});
afterAll(async () => {
  for (const p of proxies) await p.close();
  await world?.close();
});

test.each([
  ['VersityGW', stackEnv.s3Endpoint, () => stores.s3()],
  ['SeaweedFS', stackEnv.s3bEndpoint, () => stores.seaweed()],
])(
  '%s: db → an SSE-KMS bucket → another (server-side), then audit: all verified, none corrupt',
  async (server, endpoint, store) => {
    const proxy = await startS3BehaviourProxy(endpoint);
    proxies.push(proxy);
    proxy.setSseKms(true);
    const kms = () => s3Through(store(), proxy.url);
    const from = stores.db();
    const encrypted = kms();
    const docs = taggedFixture(`ssekms-${server}`, 24);
    await world.load(from, docs);

    const seenBefore = proxy.seen.length;
    const written = await world.migrate(configFile(from), configFile(encrypted));
    if (written.code !== 0)
      throw new Error(`migrate exited ${written.code}\n${written.stdout}\n${written.stderr}`);
    // Each copy went with a SHA-256 the server keeps: verify proved it by HEAD, reading none back.
    const readBack = proxy.seen
      .slice(seenBefore)
      .filter((r) => r.method === 'GET' && !/list-type=2|self_check/.test(r.url));
    expect(readBack).toEqual([]);
    await expectAllAt(world, encrypted, docs);

    const other = kms();
    const copied = await world.migrate(configFile(encrypted), configFile(other));
    if (copied.code !== 0)
      throw new Error(`migrate exited ${copied.code}\n${copied.stdout}\n${copied.stderr}`);
    await expectAllAt(world, other, docs);
    // The copies went server-side (CopyObject), not through the worker.
    expect(
      proxy.seen.filter((r) => r.method === 'PUT' && r.headers['x-amz-copy-source']).length,
    ).toBeGreaterThan(0);

    const report = join(tmpdir(), `sse-kms-audit-${server}-${process.pid}.json`);
    const audited = await world.cli(['audit', configFile(other), '--report', report]);
    const { problems } = JSON.parse(readFileSync(report, 'utf8')) as { problems: Array<{ code: string }> };
    // other_location is information: the other server's documents of this catalog live elsewhere.
    expect(problems.filter((p) => p.code !== 'other_location')).toEqual([]);
    expect(audited.code).toBe(0);
  },
);
