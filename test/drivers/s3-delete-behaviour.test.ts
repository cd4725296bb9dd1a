/**
 * What a delete does in the source bucket (issue 22, item 7), read by the s3 driver's describeDeletes: on SeaweedFS,
 * which keeps versions and supports Object Lock, on VersityGW as the stack starts it (posix, no --versioning-dir:
 * GetBucketVersioning answers 501 VersioningNotConfigured, but Object Lock works), and through the behaviour proxy
 * for what an IAM policy refuses. Also what DeleteObjects (deleteMany) does in such buckets today.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import {
  CreateBucketCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectLegalHoldCommand,
  PutObjectLockConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { createS3Driver } from '../../src/drivers/s3';
import { DESCRIBE_TIMEOUT_MS } from '../../src/drivers/s3-delete-behaviour';
import type { ObjectStoreDriver } from '../../src/drivers/types';
import type { DeleteRefusedError } from '../../src/errors';
import { startS3BehaviourProxy, type S3BehaviourProxy } from '../helpers/s3-behaviour-proxy';
import { stackEnv } from '../helpers/stack-env';

// SeaweedFS allocates its first volumes on the first write to a new bucket: seconds, not milliseconds.
jest.setTimeout(30_000);

const tag = randomUUID().slice(0, 8);
const clients: S3Client[] = [];
const drivers: ObjectStoreDriver[] = [];

function client(url: string): S3Client {
  const c = new S3Client({
    region: 'us-east-1',
    endpoint: url,
    forcePathStyle: true,
    credentials: { accessKeyId: stackEnv.s3AccessKey, secretAccessKey: stackEnv.s3SecretKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  clients.push(c);
  return c;
}

function driver(url: string, bucket: string): ObjectStoreDriver {
  const d = createS3Driver({
    bucket,
    prefix: 'anchore/',
    accessKey: stackEnv.s3AccessKey,
    secretKey: stackEnv.s3SecretKey,
    url,
  });
  drivers.push(d);
  return d;
}

/** A new bucket, versioned (`Enabled`/`Suspended`) or locked as asked. */
async function bucketAt(
  url: string,
  name: string,
  o: { versioning?: 'Enabled' | 'Suspended'; lock?: boolean; retentionDays?: number } = {},
): Promise<string> {
  const s3 = client(url);
  const bucket = `aos-del-${name}-${tag}`;
  await s3.send(
    new CreateBucketCommand({ Bucket: bucket, ...(o.lock ? { ObjectLockEnabledForBucket: true } : {}) }),
  );
  if (o.versioning)
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: o.versioning } }),
    );
  if (o.retentionDays)
    await s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: bucket,
        ObjectLockConfiguration: {
          ObjectLockEnabled: 'Enabled',
          Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: o.retentionDays } },
        },
      }),
    );
  return bucket;
}

afterAll(async () => {
  await Promise.all(drivers.map((d) => d.close()));
  clients.forEach((c) => c.destroy());
});

const doc = (key: string) => ({ userId: 'acct', bucket: 'analysis_data', key });

describe('SeaweedFS', () => {
  const url = stackEnv.s3bEndpoint;

  test('a plain bucket: not versioned, no Object Lock', async () => {
    const bucket = await bucketAt(url, 'plain');
    expect(await driver(url, bucket).describeDeletes!()).toEqual({
      bucket,
      versioning: 'off',
      objectLock: 'off',
    });
  });

  test('versioning enabled, then suspended', async () => {
    const bucket = await bucketAt(url, 'versioned', { versioning: 'Enabled' });
    expect(await driver(url, bucket).describeDeletes!()).toEqual({
      bucket,
      versioning: 'enabled',
      objectLock: 'off',
    });
    await client(url).send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Suspended' } }),
    );
    expect(await driver(url, bucket).describeDeletes!()).toMatchObject({ versioning: 'suspended' });
  });

  test('what it says is so: in a versioned bucket deleteMany leaves the old version stored', async () => {
    const bucket = await bucketAt(url, 'kept', { versioning: 'Enabled' });
    const d = driver(url, bucket);
    const [uri] = await d.putMany([{ ref: doc('kept'), data: Buffer.from('still billable') }]);
    await d.deleteMany([uri as string]);
    expect(await d.exists(uri as string)).toBe(false);
    const versions = await client(url).send(new ListObjectVersionsCommand({ Bucket: bucket }));
    expect(versions.Versions?.map((v) => [v.Key, v.IsLatest])).toEqual([
      ['anchore/acct/analysis_data/kept', false],
    ]);
    expect(versions.DeleteMarkers).toHaveLength(1);
  });

  test('Object Lock with a default retention (versioning comes with it)', async () => {
    const bucket = await bucketAt(url, 'locked', { lock: true, retentionDays: 1 });
    expect(await driver(url, bucket).describeDeletes!()).toEqual({
      bucket,
      versioning: 'enabled',
      objectLock: 'enabled',
      defaultRetention: { mode: 'GOVERNANCE', days: 1 },
    });
  });

  test('a locked, versioned source: deleteMany adds a delete marker, the locked version stays', async () => {
    const bucket = await bucketAt(url, 'locked-del', { lock: true, retentionDays: 1 });
    const d = driver(url, bucket);
    const [uri] = await d.putMany([{ ref: doc('locked'), data: Buffer.from('under retention') }]);
    await d.deleteMany([uri as string]);
    expect(await d.exists(uri as string)).toBe(false);
    const versions = await client(url).send(new ListObjectVersionsCommand({ Bucket: bucket }));
    expect(versions.Versions).toHaveLength(1);
  });
});

describe('VersityGW as the stack starts it', () => {
  const url = stackEnv.s3Endpoint;

  test('no versioning in the gateway (501 VersioningNotConfigured): not versioned', async () => {
    const bucket = await bucketAt(url, 'vgw');
    expect(await driver(url, bucket).describeDeletes!()).toEqual({
      bucket,
      versioning: 'off',
      objectLock: 'off',
    });
  });

  test('Object Lock without versioning', async () => {
    const bucket = await bucketAt(url, 'vgw-locked', { lock: true, retentionDays: 1 });
    expect(await driver(url, bucket).describeDeletes!()).toEqual({
      bucket,
      versioning: 'off',
      objectLock: 'enabled',
      defaultRetention: { mode: 'GOVERNANCE', days: 1 },
    });
  });

  // VersityGW refuses the whole DeleteObjects with 403 when one object of it is locked: the driver asks object by
  // object, so only the locked ones are refused (DeleteRefusedError), never read as bad credentials.
  test('a locked source in a batch is refused alone; the others are deleted', async () => {
    const bucket = await bucketAt(url, 'vgw-locked-del', { lock: true });
    const d = driver(url, bucket);
    const uris = await d.putMany([
      { ref: doc('locked'), data: Buffer.from('under a legal hold') },
      { ref: doc('other'), data: Buffer.from('free to go') },
    ]);
    await client(url).send(
      new PutObjectLegalHoldCommand({
        Bucket: bucket,
        Key: (uris[0] as string).slice(`s3://${bucket}/`.length),
        LegalHold: { Status: 'ON' },
      }),
    );
    const err = await d.deleteMany(uris).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.name).toBe('DeleteRefusedError');
    expect([...(err as DeleteRefusedError).refused.keys()]).toEqual([uris[0]]);
    expect(await d.exists(uris[0] as string)).toBe(true);
    expect(await d.exists(uris[1] as string)).toBe(false);
  });
});

describe('what a policy or a server refuses to tell is unknown, never an error', () => {
  let proxy: S3BehaviourProxy;
  let bucket: string;
  beforeAll(async () => {
    proxy = await startS3BehaviourProxy(stackEnv.s3bEndpoint);
    bucket = await bucketAt(stackEnv.s3bEndpoint, 'proxied', { versioning: 'Enabled' });
  });
  afterEach(() => proxy.setRule(undefined));
  afterAll(async () => {
    await proxy?.close();
  });
  const asks = (query: string) => (req: { method?: string; url?: string }) =>
    req.method === 'GET' && new RegExp(`[?&]${query}(=|&|$)`).test(req.url ?? '');

  test('403 AccessDenied to GetBucketVersioning: versioning unknown, Object Lock still read', async () => {
    proxy.setRule((req) => (asks('versioning')(req) ? { status: 403, code: 'AccessDenied' } : undefined));
    expect(await driver(proxy.url, bucket).describeDeletes!()).toEqual({
      bucket,
      versioning: 'unknown',
      versioningUnknown: 's3:GetBucketVersioning not granted: AccessDenied',
      objectLock: 'off',
    });
    expect(proxy.seen.some((r) => /[?&]versioning/.test(r.url))).toBe(true);
  });

  test('403 to both, and 501 NotImplemented', async () => {
    proxy.setRule((req) =>
      asks('versioning')(req)
        ? { status: 501, code: 'NotImplemented' }
        : asks('object-lock')(req)
          ? { status: 403, code: 'AccessDenied' }
          : undefined,
    );
    expect(await driver(proxy.url, bucket).describeDeletes!()).toEqual({
      bucket,
      versioning: 'unknown',
      versioningUnknown: 'the server does not implement GetBucketVersioning: NotImplemented',
      objectLock: 'unknown',
      objectLockUnknown: 's3:GetBucketObjectLockConfiguration not granted: AccessDenied',
    });
  });

  test('no server there', async () => {
    const b = await driver('http://127.0.0.1:1', 'nowhere').describeDeletes!();
    expect(b).toMatchObject({ versioning: 'unknown', objectLock: 'unknown' });
    expect(b.versioningUnknown).toBe('GetBucketVersioning failed: ECONNREFUSED');
  });

  test('a server that never answers is given up after the describe timeout', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const started = Date.now();
    try {
      const { port } = silent.address() as AddressInfo;
      const b = await driver(`http://127.0.0.1:${port}`, 'silent').describeDeletes!();
      expect(b).toMatchObject({ versioning: 'unknown', objectLock: 'unknown' });
      expect(b.versioningUnknown).toMatch(/did not answer within 10 s/);
    } finally {
      sockets.forEach((s) => s.destroy());
      silent.close();
    }
    expect(Date.now() - started).toBeLessThan(DESCRIBE_TIMEOUT_MS + 3_000);
  });

  test("the caller's cancellation is an error, not a bucket property", async () => {
    const from = proxy.seen.length;
    const err = await driver(proxy.url, bucket).describeDeletes!({ signal: AbortSignal.abort() }).catch(
      (e: Error) => e,
    );
    expect(err).toMatchObject({ name: 'AbortError' });
    expect(proxy.seen.length).toBe(from);
  });
});
