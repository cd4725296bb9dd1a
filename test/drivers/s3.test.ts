import { createHash, randomUUID } from 'node:crypto';
import { Agent } from 'node:http';
import { createS3Driver } from '../../src/drivers/s3';
import { destinationStats } from '../../src/activities/destination-stats';
import { createLeanS3 } from '../../src/drivers/s3-lean';
import { md5Hex } from '../../src/drivers/util';
import { createStackS3Driver } from '../helpers/real-drivers';
import { stackEnv } from '../helpers/stack-env';
import { provenMd5 } from '../../src/drivers/types';
import { describeDriverConformance } from './conformance';

// SeaweedFS allocates its first volumes on the first write to a new bucket: seconds, not milliseconds.
jest.setTimeout(30_000);

// One bucket per run, created by the driver's own self-check (create_bucket: true).
const bucket = `aos-conf-${randomUUID().slice(0, 8)}`;

// The same suite on two independent S3 implementations.
for (const [server, url] of [
  ['VersityGW', stackEnv.s3Endpoint],
  ['SeaweedFS', stackEnv.s3bEndpoint],
] as const) {
  describeDriverConformance(`s3 (real ${server})`, {
    async create() {
      const driver = createStackS3Driver(url, bucket);
      await driver.selfCheck();
      return driver;
    },
    expectedUri: `s3://${bucket}/anchore/admin/policy_bundles/2c53a13c-1ab7-4c2f/x:y`,
  });
}

/** Drivers on buckets of their own, closed after all tests. */
const drivers: ReturnType<typeof createS3Driver>[] = [];
const make = (name: string, creds = { accessKey: stackEnv.s3AccessKey, secretKey: stackEnv.s3SecretKey }) => {
  const d = createS3Driver({
    bucket: name,
    prefix: 'p/',
    ...creds,
    url: stackEnv.s3Endpoint,
    createBucket: true,
  });
  drivers.push(d);
  return d;
};
afterAll(async () => {
  await Promise.all(drivers.map((d) => d.close()));
});

describe('s3 server-side copy (CopyObject)', () => {
  test('copies between buckets of one server without the bytes passing through, keys with / : and unicode', async () => {
    const a = make(`${bucket}-cpa`);
    const b = make(`${bucket}-cpb`);
    await a.selfCheck();
    await b.selfCheck();
    const refs = [
      { userId: 'admin', bucket: 'analysis_data', key: 'sha256:1' },
      { userId: 'acme', bucket: 'vulnerability_scan', key: 'sha256:2/docker.io/library/nginx:1.25-ünï' },
    ];
    const srcUris = await a.putMany(refs.map((ref, i) => ({ ref, data: Buffer.from(`body ${i} \u00ff`) })));
    expect(b.canCopyFrom?.(a)).toBe(true);
    const results = await b.copyFrom?.(
      a,
      refs.map((ref, i) => ({ sourceUri: srcUris[i] as string, ref })),
    );
    expect(results).toEqual(refs.map((r) => ({ uri: b.uriFor(r) })));
    const uris = refs.map((r) => b.uriFor(r));
    for (const [i, uri] of uris.entries()) {
      expect((await b.get(uri)).toString()).toBe(`body ${i} \u00ff`);
      expect(await a.exists(srcUris[i] as string)).toBe(true); // a copy, not a move
    }
  });

  test('a conditional copy checks the source in the request: another md5 or no source copies nothing', async () => {
    const a = make(`${bucket}-cpe`);
    const b = make(`${bucket}-cpf`);
    await a.selfCheck();
    await b.selfCheck();
    const ref = { userId: 'admin', bucket: 'analysis_data', key: 'sha256:cond' };
    const body = Buffer.from('conditional body');
    const [src] = await a.putMany([{ ref, data: body }]);
    const sourceUri = src as string;
    const gone = { userId: 'admin', bucket: 'analysis_data', key: 'sha256:never-written' };
    const results = await b.copyFrom?.(a, [
      { sourceUri, ref, expectMd5: md5Hex(Buffer.from('other body')) },
      { sourceUri: a.uriFor(gone), ref: gone, expectMd5: md5Hex(body) },
    ]);
    expect(results).toEqual([{ skipped: 'etag_mismatch' }, { skipped: 'absent' }]);
    expect(await b.exists(b.uriFor(ref))).toBe(false);
    expect(await b.exists(b.uriFor(gone))).toBe(false);
    expect(await b.copyFrom?.(a, [{ sourceUri, ref, expectMd5: md5Hex(body) }])).toEqual([
      { uri: b.uriFor(ref) },
    ]);
    expect(await b.get(b.uriFor(ref))).toEqual(body);
  });

  test('cannot copy from a store on another server or with other credentials', () => {
    const a = make(`${bucket}-cpc`);
    const other = make(`${bucket}-cpd`, { accessKey: 'someone-else', secretKey: 'another-secret' });
    expect(a.canCopyFrom?.(other)).toBe(false);
    expect(other.canCopyFrom?.(a)).toBe(false);
  });
});

describe('s3 writes with a known md5, and request errors', () => {
  test('a write with the md5 the caller already has succeeds; a wrong md5 fails it and stores nothing', async () => {
    const d = make(`${bucket}-md5`);
    await d.selfCheck();
    const ref = { userId: 'admin', bucket: 'analysis_data', key: 'sha256:md5' };
    const body = Buffer.from('body with a known md5');
    const [uri] = await d.putMany([{ ref, data: body, md5: md5Hex(body) }]);
    expect(await d.get(uri as string)).toEqual(body);
    const other = { ...ref, key: 'sha256:md5-wrong' };
    await expect(d.put(other, body, { md5: md5Hex(Buffer.from('x')) })).rejects.toThrow(/BadDigest/);
    expect(await d.exists(d.uriFor(other))).toBe(false);
  });

  test('an invalid bucket name is a DriverConfigurationError that names the bucket', async () => {
    const d = make('x');
    await expect(d.selfCheck()).rejects.toMatchObject({
      name: 'DriverConfigurationError',
      message: expect.stringContaining('bucket name "x"'),
    });
  });
});

describe('s3 lean requests (the hot path without the SDK middleware)', () => {
  const lean = createLeanS3({
    endpoint: stackEnv.s3Endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: stackEnv.s3AccessKey, secretAccessKey: stackEnv.s3SecretKey },
    agent: new Agent({ keepAlive: true }),
    requestTimeoutMs: 10_000,
  });
  const leanBucket = `${bucket}-lean`;

  test('answer HEAD, GET, PUT and CopyObject themselves, with keys that need encoding', async () => {
    await make(leanBucket).selfCheck();
    const key = 'anchore/acme/vulnerability_scan/sha256:2/docker.io/nginx:1.25-ünï +%';
    const body = Buffer.from('lean body \u00ff');
    const md5 = createHash('md5').update(body);
    expect(await lean.put(leanBucket, key, body, md5.copy().digest('base64'))).toEqual({
      etag: md5.copy().digest('hex'),
      encrypted: false,
    });
    expect(await lean.head(leanBucket, key)).toEqual({
      size: body.length,
      etag: md5.digest('hex'),
      encrypted: false,
    });
    expect(await lean.get(leanBucket, key)).toEqual(body);
    const copyKey = `${key}-copy`;
    const src = { bucket: leanBucket, key };
    expect(await lean.copy(leanBucket, copyKey, src, md5Hex(body))).toBe('copied');
    expect(await lean.copy(leanBucket, copyKey, src, md5Hex(Buffer.from('x')))).toBe('etag_mismatch');
    expect(await lean.get(leanBucket, copyKey)).toEqual(body);
  });

  test('say absent for a missing key, and leave every other answer to the SDK (undefined)', async () => {
    expect(await lean.head(leanBucket, 'no/such/key')).toBe('absent');
    expect(await lean.get(leanBucket, 'no/such/key')).toBe('absent');
    // a missing bucket is not "absent object": the SDK names it
    expect(await lean.get(`${bucket}-nobucket`, 'k')).toBeUndefined();
    const wrong = createLeanS3({
      endpoint: stackEnv.s3Endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: stackEnv.s3AccessKey, secretAccessKey: 'not-the-secret' },
      agent: new Agent(),
      requestTimeoutMs: 10_000,
    });
    expect(await wrong.put(leanBucket, 'k', Buffer.from('x'), md5Base64('x'))).toBeUndefined();
    const closed = createLeanS3({
      endpoint: 'http://127.0.0.1:1',
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      agent: new Agent(),
      requestTimeoutMs: 10_000,
    });
    expect(await closed.head(leanBucket, 'k')).toBeUndefined();
  });
});

/** A driver on a new bucket `name` of the server at `url`, and lean requests to the same server. */
async function driverAndLean(name: string, url: string) {
  const d = createS3Driver({
    bucket: name,
    accessKey: stackEnv.s3AccessKey,
    secretKey: stackEnv.s3SecretKey,
    url,
    createBucket: true,
  });
  drivers.push(d);
  await d.selfCheck();
  const lean = createLeanS3({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: stackEnv.s3AccessKey, secretAccessKey: stackEnv.s3SecretKey },
    agent: new Agent({ keepAlive: true }),
    requestTimeoutMs: 10_000,
  });
  return { d, lean };
}

describe('s3 lean listing (what verify lists a page of copies with)', () => {
  for (const [server, url] of [
    ['VersityGW', stackEnv.s3Endpoint],
    ['SeaweedFS', stackEnv.s3bEndpoint],
  ] as const) {
    test(`lists the same keys, sizes and ETags as the SDK, page by page, keys with & < ' " and spaces (${server})`, async () => {
      const name = `${bucket}-ll-${server.toLowerCase()}`;
      const { d, lean } = await driverAndLean(name, url);
      const keys = ['a&b', 'c<d>', "e'f", 'g"h', 'i j', 'k+l', 'm=n?o', 'p%q'].map((k) => `acct/b&k/${k}`);
      for (const [i, key] of keys.entries())
        await d.put(
          { userId: 'acct', bucket: 'b&k', key: key.slice('acct/b&k/'.length) },
          Buffer.alloc(i + 1, i),
        );
      await d.put({ userId: 'acct', bucket: 'other', key: 'x' }, Buffer.from('not listed'));
      const pages: Array<{ key: string; size: number; etag: string }[]> = [];
      let token: string | undefined;
      do {
        const page = await lean.list({
          bucket: name,
          prefix: 'acct/b&k/',
          startAfter: 'acct/b&k/',
          token,
          maxKeys: 3,
        });
        expect(page).toBeDefined();
        pages.push(page?.objects ?? []);
        token = page?.next;
      } while (token);
      expect(pages.map((p) => p.length)).toEqual([3, 3, 2]);
      const listed = pages.flat();
      expect(listed.map((o) => o.key)).toEqual([...keys].sort());
      for (const o of listed) {
        const i = keys.indexOf(o.key);
        expect(o).toEqual({ key: o.key, size: i + 1, etag: md5Hex(Buffer.alloc(i + 1, i)) });
      }
      const after = await lean.list({
        bucket: name,
        prefix: 'acct/b&k/',
        startAfter: 'acct/b&k/i j',
        maxKeys: 10,
      });
      expect(after?.objects.map((o) => o.key)).toEqual([...keys].sort().filter((k) => k > 'acct/b&k/i j'));
      expect(after?.next).toBeUndefined();
      // a bucket that is not there is the SDK's to name
      expect(await lean.list({ bucket: `${name}-none`, prefix: '', maxKeys: 1 })).toBeUndefined();
    });
  }
});

describe('s3 lean DeleteObjects (what a move deletes its sources with)', () => {
  for (const [server, url] of [
    ['VersityGW', stackEnv.s3Endpoint],
    ['SeaweedFS', stackEnv.s3bEndpoint],
  ] as const) {
    test(`deletes keys with & < ' " and spaces itself, and leaves a key XML cannot carry to the SDK (${server})`, async () => {
      const name = `${bucket}-ld-${server.toLowerCase()}`;
      const { d, lean } = await driverAndLean(name, url);
      const refs = ['a&b', 'c<d>', "e'f", 'g"h', 'i j', 'k+l', 'm=n?o', 'p%q', 'ü'].map((key) => ({
        userId: 'acct',
        bucket: 'b&k',
        key,
      }));
      const uris = await d.putMany(refs.map((ref) => ({ ref, data: Buffer.from(ref.key) })));
      const keep = await d.put({ userId: 'acct', bucket: 'b&k', key: 'kept' }, Buffer.from('kept'));
      const keys = refs.map((r) => `acct/b&k/${r.key}`);
      expect(await lean.deleteObjects(name, [...keys, 'acct/b&k/never-written'])).toEqual([]);
      for (const uri of uris) expect(await d.exists(uri)).toBe(false);
      expect(await d.exists(keep)).toBe(true);
      expect(await lean.deleteObjects(name, ['acct/b&k/line\rbreak'])).toBeUndefined();
      // a bucket that is not there is the SDK's to name
      expect(await lean.deleteObjects(`${name}-none`, ['k'])).toBeUndefined();
    });
  }
});

function md5Base64(s: string): string {
  return createHash('md5').update(s).digest('base64');
}

describe('s3 statMany lists a page of neighbouring keys instead of HEADing each', () => {
  test('same sizes and md5s as HEAD; absent keys and keys of others between them are handled', async () => {
    const d = make(`${bucket}-ls`);
    await d.selfCheck();
    const ref = (i: number, userId = 'admin') => ({
      userId,
      bucket: 'analysis_data',
      key: `sha256:${String(i).padStart(4, '0')}`,
    });
    const bodies = Array.from({ length: 40 }, (_, i) => Buffer.from(`document ${i} `.repeat(i + 1)));
    // every fifth key nested, as vulnerability_scan's <digest>/<tag>: listed with its neighbours
    const nested = (i: number) => ({ ...ref(2 * i), key: `${ref(2 * i).key}/docker.io/app:v${i}` });
    const uris = await d.putMany(
      bodies.map((data, i) => ({ ref: i % 5 === 0 ? nested(i) : ref(2 * i), data })),
    );
    // objects that are not asked for: between the asked keys, in another account, and nested deeper
    await d.putMany([
      { ref: ref(3), data: Buffer.from('other') },
      { ref: ref(4, 'acme'), data: Buffer.from('acme') },
      { ref: { ...ref(7), key: 'sha256:0007/docker.io/x:y' }, data: Buffer.from('nested') },
    ]);
    const absent = [ref(1), ref(5), ref(999)].map((r) => d.uriFor(r));
    const stats = await d.statMany?.([...uris, ...absent]);
    expect(stats?.size).toBe(40);
    uris.forEach((uri, i) => {
      const body = bodies[i] as Buffer;
      // A listing's ETag only proves the digest it equals (it cannot tell an SSE-KMS object): see provenMd5.
      const st = stats?.get(uri);
      expect(st?.size).toBe(body.length);
      expect(st && provenMd5(st, md5Hex(body))).toBe(md5Hex(body));
    });
    for (const uri of absent) expect(stats?.has(uri)).toBe(false);
  });
});

describe('verification never rests on a size alone (issue 22, item 1)', () => {
  test('a multipart copy (its ETag is no md5) is read back and hashed by --verify head', async () => {
    const d = createS3Driver({
      bucket: `${bucket}-mp`,
      prefix: 'p/',
      accessKey: stackEnv.s3AccessKey,
      secretKey: stackEnv.s3SecretKey,
      url: stackEnv.s3Endpoint,
      createBucket: true,
      multipartThreshold: 5 * 1024 * 1024,
      partSize: 5 * 1024 * 1024,
    });
    drivers.push(d);
    await d.selfCheck();
    const data = Buffer.alloc(11 * 1024 * 1024, 'multipart ');
    const [uri] = await d.putMany([{ ref: { userId: 'a', bucket: 'grypedb', key: 'big' }, data }]);
    const url = uri as string;
    expect((await d.statMany?.([url]))?.get(url)?.md5).toBeUndefined(); // the server gives no md5 for it
    const { stats } = await destinationStats(d, new Map([[url, { md5: md5Hex(data) }]]), false);
    expect(stats.get(url)).toEqual({ size: data.length, md5: md5Hex(data) });
  });
});
