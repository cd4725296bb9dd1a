/**
 * S3 servers as they are in production, emulated where no local server behaves that way by a proxy in front of
 * the real servers (test/helpers/s3-behaviour-proxy.ts): the request still reaches VersityGW or SeaweedFS.
 */
import { randomUUID } from 'node:crypto';
import { CreateBucketCommand, PutBucketVersioningCommand } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { createS3Driver, type S3DriverOptions } from '../../src/drivers/s3';
import type { ObjectStoreDriver } from '../../src/drivers/types';
import {
  startS3BehaviourProxy,
  wantsContentMd5OnDeleteObjects,
  type S3BehaviourProxy,
} from '../helpers/s3-behaviour-proxy';
import { stackEnv } from '../helpers/stack-env';
import { stackS3Client } from '../helpers/stack-s3-client';

describe.each([
  ['VersityGW', stackEnv.s3Endpoint],
  ['SeaweedFS', stackEnv.s3bEndpoint],
])('%s', (_server, endpoint) => {
  let proxy: S3BehaviourProxy;
  let driver: ObjectStoreDriver;
  const options = (url: string): S3DriverOptions => ({
    bucket: `aos-behave-${randomUUID().slice(0, 8)}`,
    accessKey: stackEnv.s3AccessKey,
    secretKey: stackEnv.s3SecretKey,
    url,
    createBucket: true,
  });

  beforeAll(async () => {
    proxy = await startS3BehaviourProxy(endpoint);
    driver = createS3Driver(options(proxy.url));
    await driver.selfCheck();
  });
  afterEach(() => {
    proxy.setRule(undefined);
    proxy.setSseKms(false);
    proxy.setDeleteErrors(undefined);
  });
  afterAll(async () => {
    await driver?.close();
    await proxy?.close();
  });

  const bucketOf = (d: ObjectStoreDriver): string => d.location.split('/')[2] as string;
  const doc = (key: string) => ({ userId: 'acct', bucket: 'analysis_data', key });

  test('DeleteObjects carries Content-MD5, so servers that require it delete the batch', async () => {
    const uris = await driver.putMany(
      ['a', 'b', 'c'].map((k) => ({ ref: doc(`md5-${k}`), data: Buffer.from(`body ${k}`) })),
    );
    proxy.setRule(wantsContentMd5OnDeleteObjects);
    await driver.deleteMany(uris);
    for (const uri of uris) expect(await driver.exists(uri)).toBe(false);
  });

  test('DeleteObjects answered per key: a refusal is reported with its document, SlowDown is retried later', async () => {
    const uris = await driver.putMany(
      ['a&b', 'c'].map((k) => ({ ref: doc(`per-key-${k}`), data: Buffer.from(`body ${k}`) })),
    );
    proxy.setDeleteErrors('AccessDenied');
    const from = proxy.seen.length;
    const err = (await driver.deleteMany(uris).catch((e: unknown) => e)) as Error & {
      refused?: Map<string, string>;
    };
    // one lean request (no SDK user agent), not a lean attempt and the SDK's
    const deletes = proxy.seen.slice(from).filter((r) => r.method === 'POST' && /[?&]delete/.test(r.url));
    expect(deletes.map((r) => r.headers['user-agent'] ?? 'lean')).toEqual(['lean']);
    expect(err.name).toBe('DeleteRefusedError');
    expect([...(err.refused?.keys() ?? [])].sort()).toEqual([...uris].sort());
    expect(err.refused?.get(uris[0] as string)).toMatch(/^AccessDenied: /);
    proxy.setDeleteErrors('SlowDown');
    await expect(driver.deleteMany(uris)).rejects.toMatchObject({ name: 'StorageBusyError' });
    proxy.setDeleteErrors(undefined);
    await driver.deleteMany(uris);
    for (const uri of uris) expect(await driver.exists(uri)).toBe(false);
  });

  test('the self-check exercises DeleteObjects: a server that refuses it is found before any migration', async () => {
    const probe = createS3Driver({ ...options(proxy.url), bucket: bucketOf(driver) });
    proxy.setRule((req) =>
      req.method === 'POST' && /[?&]delete(=|&|$)/.test(req.url ?? '')
        ? { status: 501, code: 'NotImplemented', message: 'DeleteObjects is not implemented' }
        : undefined,
    );
    const err = await probe.selfCheck().catch((e: Error) => e);
    await probe.close();
    expect(err).toMatchObject({ name: 'SelfCheckFailedError' });
    expect((err as Error).message).toMatch(/DeleteObjects.*NotImplemented/);
  });

  test('the self-check names CopyObject when the server refuses server-side copies', async () => {
    const probe = createS3Driver({ ...options(proxy.url), bucket: bucketOf(driver) });
    proxy.setRule((req) =>
      req.method === 'PUT' && req.headers['x-amz-copy-source']
        ? { status: 501, code: 'NotImplemented', message: 'CopyObject is not implemented' }
        : undefined,
    );
    const err = await probe.selfCheck().catch((e: Error) => e);
    await probe.close();
    expect(err).toMatchObject({ name: 'SelfCheckFailedError' });
    expect((err as Error).message).toMatch(/CopyObject.*NotImplemented/);
    // The probe is removed even so.
    proxy.setRule(undefined);
    const left: string[] = [];
    for await (const o of driver.listObjects?.() ?? []) left.push(o.uri);
    expect(left).toEqual([]);
  });

  test('SSE-KMS: an ETag that is not the md5 is never reported as the md5, by HEAD or by listing', async () => {
    proxy.setSseKms(true);
    const bodies = ['x', 'y', 'z'].map((k) => ({ ref: doc(`kms-${k}`), data: Buffer.from(`kms body ${k}`) }));
    const uris = await driver.putMany(bodies);
    const listed = await driver.statMany!(uris); // neighbours: one listing
    const headed = await driver.statMany!([uris[0] as string]); // alone: a HEAD
    const seen = [...listed.values(), ...headed.values()];
    expect(seen).toHaveLength(4);
    seen.forEach((st) => expect(st.md5).toBeUndefined());
    // Where a listing's ETag is the md5 after all (the digest it is compared with), it still proves it.
    expect(proxy.seen.some((r) => /list-type=2/.test(r.url))).toBe(true);
  });

  test('a single-part PUT carries a SHA-256 only while ETags are no md5 (SSE-KMS): elsewhere the listing proves it', async () => {
    const learning = createS3Driver({ ...options(proxy.url), bucket: bucketOf(driver) });
    const data = Buffer.from('a body whose copy verify must prove');
    const sentChecksums = async (key: string): Promise<Array<string | undefined>> => {
      const from = proxy.seen.length;
      const checksum = learning.checksumFor!(data);
      await learning.putMany([{ ref: doc(key), data, ...(checksum ? { checksum } : {}) }]);
      return proxy.seen
        .slice(from)
        .filter((r) => r.method === 'PUT')
        .map((r) => r.headers['x-amz-checksum-sha256']);
    };
    // Before any answer it cannot know: the first PUT carries one.
    expect(await sentChecksums('learn-1')).toEqual([expect.stringMatching(/^[A-Za-z0-9+/]{43}=$/)]);
    // The server's ETag was the md5: a listing proves every later copy, no SHA-256 is computed or sent.
    expect(await sentChecksums('learn-2')).toEqual([undefined]);
    expect(learning.checksumFor!(data)).toBeUndefined();
    // The bucket gets SSE-KMS meanwhile: that PUT's answer turns the checksums on again.
    proxy.setSseKms(true);
    await sentChecksums('learn-3');
    expect(await sentChecksums('learn-4')).toEqual([expect.stringMatching(/^[A-Za-z0-9+/]{43}=$/)]);
    await learning.close();
  });

  test('every part of a multipart upload carries a SHA-256 checksum the server checks (streamed or not)', async () => {
    const big = createS3Driver({
      ...options(proxy.url),
      bucket: bucketOf(driver),
      multipartThreshold: 5 * 1024 * 1024,
      partSize: 5 * 1024 * 1024,
    });
    const data = Buffer.alloc(11 * 1024 * 1024, 'multipart body ');
    const from = proxy.seen.length;
    await big.putMany([{ ref: doc('multipart'), data }]);
    await big.putStream!(
      doc('multipart-streamed'),
      Readable.from([data.subarray(0, 7e6), data.subarray(7e6)]),
    );
    await big.close();
    const parts = proxy.seen.slice(from).filter((r) => r.method === 'PUT' && /[?&]partNumber=/.test(r.url));
    expect(parts).toHaveLength(6);
    for (const p of parts) expect(p.headers['x-amz-checksum-sha256']).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });

  test('keys a file-backed server stores under another name (a//b, a/./b, a/../b, a/) are refused, never aliased', async () => {
    const uri = await driver.put(doc('alias/b'), Buffer.from('the document at alias/b'));
    for (const key of ['alias//b', 'alias/./b', 'x/../alias/b', 'alias/b/']) {
      await expect(driver.put(doc(key), Buffer.from(`another document: ${key}`))).rejects.toMatchObject({
        name: 'DocumentRejectedError',
        serverCode: 'UnsafeKey',
      });
    }
    expect((await driver.get(uri)).toString()).toBe('the document at alias/b');
  });
});

describe('SeaweedFS, a versioned bucket: the deletes of --reclaim-versions', () => {
  let proxy: S3BehaviourProxy;
  let driver: ObjectStoreDriver;
  const bucket = `aos-versions-${randomUUID().slice(0, 8)}`;
  const admin = stackS3Client(stackEnv.s3bEndpoint);

  beforeAll(async () => {
    await admin.send(new CreateBucketCommand({ Bucket: bucket }));
    await admin.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
    );
    proxy = await startS3BehaviourProxy(stackEnv.s3bEndpoint);
    driver = createS3Driver({
      bucket,
      accessKey: stackEnv.s3AccessKey,
      secretKey: stackEnv.s3SecretKey,
      url: proxy.url,
    });
  });
  afterEach(() => proxy.setVersionedDeleteErrors(undefined));
  afterAll(async () => {
    await driver?.close();
    await proxy?.close();
    admin.destroy();
  });

  const source = async (name: string) => {
    const data = Buffer.from(`a migrated source: ${name}`);
    const uri = await driver.put({ userId: 'u', bucket: 'b', key: name }, data);
    return { uri, size: data.length };
  };

  test('a version delete the server answers SlowDown (or InternalError) per key is retried later, not kept', async () => {
    for (const code of ['SlowDown', 'InternalError']) {
      const s = await source(`busy-${code}`);
      proxy.setVersionedDeleteErrors(code);
      await expect(driver.deleteWithVersions!([s])).rejects.toMatchObject({ name: 'StorageBusyError' });
    }
  });

  test('a version the server refuses per key (retention, a policy) is reported with its document', async () => {
    const s = await source('locked');
    proxy.setVersionedDeleteErrors('AccessDenied');
    const err = (await driver.deleteWithVersions!([s]).catch((e: unknown) => e)) as Error & {
      refused?: Map<string, string>;
    };
    expect(err.name).toBe('DeleteRefusedError');
    expect(err.refused?.get(s.uri)).toMatch(/AccessDenied/);
  });
});
