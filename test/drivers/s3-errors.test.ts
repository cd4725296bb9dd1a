/** S3 bad input against the real VersityGW: each case is a named error and writes nothing. */
import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createS3Driver, type S3DriverOptions } from '../../src/drivers/s3';
import { stackEnv } from '../helpers/stack-env';
import { stackS3Client } from '../helpers/stack-s3-client';

const good: S3DriverOptions = {
  bucket: `aos-err-${randomUUID().slice(0, 8)}`,
  accessKey: stackEnv.s3AccessKey,
  secretKey: stackEnv.s3SecretKey,
  url: stackEnv.s3Endpoint,
  createBucket: true,
};
const admin = stackS3Client();

async function objectCount(bucket: string): Promise<number> {
  const res = await admin.send(new ListObjectsV2Command({ Bucket: bucket }));
  return res.KeyCount ?? 0;
}

beforeAll(async () => {
  const driver = createS3Driver(good);
  await driver.selfCheck(); // creates the bucket
  await driver.close();
});
afterAll(() => admin.destroy());

test('wrong keys → BadCredentialsError, secret redacted, nothing written', async () => {
  const secret = 'wrong-secret-value-1234567890';
  const driver = createS3Driver({ ...good, accessKey: 'AKIAWRONGKEY', secretKey: secret });
  const err = await driver.selfCheck().catch((e: Error) => e);
  await driver.close();
  expect(err).toMatchObject({ name: 'BadCredentialsError' });
  expect(String((err as Error).message)).not.toContain(secret);
  expect(String((err as Error).message)).not.toContain('AKIAWRONGKEY');
  expect(await objectCount(good.bucket)).toBe(0);
});

test('missing bucket without create_bucket → BucketNotFoundError, bucket not created', async () => {
  const bucket = `aos-missing-${randomUUID().slice(0, 8)}`;
  const driver = createS3Driver({ ...good, bucket, createBucket: false });
  await expect(driver.selfCheck()).rejects.toMatchObject({ name: 'BucketNotFoundError', bucket });
  await expect(admin.send(new ListObjectsV2Command({ Bucket: bucket }))).rejects.toMatchObject({
    name: 'NoSuchBucket',
  });
  await driver.close();
});

test('missing bucket with create_bucket → created and usable', async () => {
  const bucket = `aos-create-${randomUUID().slice(0, 8)}`;
  const driver = createS3Driver({ ...good, bucket, createBucket: true });
  await driver.selfCheck();
  expect(await objectCount(bucket)).toBe(0); // the self-check object is gone
  await driver.close();
});

test('missing bucket, two self-checks at once (workers starting together) → both pass', async () => {
  const bucket = `aos-race-${randomUUID().slice(0, 8)}`;
  const drivers = [1, 2, 3].map(() => createS3Driver({ ...good, bucket, createBucket: true }));
  await Promise.all(drivers.map((d) => d.selfCheck()));
  expect(await objectCount(bucket)).toBe(0);
  await Promise.all(drivers.map((d) => d.close()));
});

test('unreachable endpoint (connection refused) → EndpointUnreachableError, fast', async () => {
  // A port we just freed: nothing listens there.
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise((r) => server.close(r));
  const driver = createS3Driver({ ...good, url: `http://127.0.0.1:${port}` });
  const started = Date.now();
  await expect(driver.selfCheck()).rejects.toMatchObject({ name: 'EndpointUnreachableError' });
  expect(Date.now() - started).toBeLessThan(10_000);
  await driver.close();
});

test('reads use the bucket named in the URI, not the configured one', async () => {
  const writer = createS3Driver(good);
  const uri = await writer.put({ userId: 'admin', bucket: 'analysis_data', key: 'k1' }, Buffer.from('hello'));
  const reader = createS3Driver({ ...good, bucket: 'some-other-bucket' });
  expect((await reader.get(uri)).toString()).toBe('hello');
  await reader.delete(uri);
  expect(await writer.exists(uri)).toBe(false);
  await Promise.all([writer.close(), reader.close()]);
});

test('large bodies go through multipart upload and come back byte for byte', async () => {
  const mib = 1024 * 1024;
  const driver = createS3Driver({ ...good, multipartThreshold: 5 * mib, partSize: 5 * mib });
  const body = Buffer.alloc(12 * mib + 3);
  for (let i = 0; i + 4 <= body.length; i += 4096) body.writeUInt32BE(i, i);
  const uri = await driver.put({ userId: 'admin', bucket: 'grypedb', key: 'big' }, body);
  const head = await admin.send(
    new HeadObjectCommand({ Bucket: good.bucket, Key: uri.slice(`s3://${good.bucket}/`.length) }),
  );
  expect(head.ETag).toMatch(/-3"$/); // three parts: multipart ETags end in -<parts>
  expect((await driver.get(uri)).equals(body)).toBe(true);
  await driver.delete(uri);
  await driver.close();
});
