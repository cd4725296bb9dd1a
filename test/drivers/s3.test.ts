import { randomUUID } from 'node:crypto';
import { createS3Driver } from '../../src/drivers/s3';
import { stackEnv } from '../helpers/stack-env';
import { describeDriverConformance } from './conformance';

// One bucket per run, created by the driver's own self-check (create_bucket: true).
const bucket = `aos-conf-${randomUUID().slice(0, 8)}`;

describeDriverConformance('s3 (real VersityGW)', {
  async create() {
    const driver = createS3Driver({
      bucket,
      prefix: 'anchore/',
      accessKey: stackEnv.s3AccessKey,
      secretKey: stackEnv.s3SecretKey,
      url: stackEnv.s3Endpoint,
      createBucket: true,
    });
    await driver.selfCheck();
    return driver;
  },
  expectedUri: `s3://${bucket}/anchore/admin/policy_bundles/2c53a13c-1ab7-4c2f/x:y`,
});

describe('s3 server-side copy (CopyObject)', () => {
  const drivers: ReturnType<typeof createS3Driver>[] = [];
  const make = (
    name: string,
    creds = { accessKey: stackEnv.s3AccessKey, secretKey: stackEnv.s3SecretKey },
  ) => {
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
    const copies = b.copyFrom?.(
      a,
      refs.map((ref, i) => ({ sourceUri: srcUris[i] as string, ref })),
    );
    expect(copies).toBeDefined();
    const uris = await (copies as Promise<string[]>);
    expect(uris).toEqual(refs.map((r) => b.uriFor(r)));
    for (const [i, uri] of uris.entries()) {
      expect((await b.get(uri)).toString()).toBe(`body ${i} \u00ff`);
      expect(await a.exists(srcUris[i] as string)).toBe(true); // a copy, not a move
    }
  });

  test('declines (undefined) when the other store is on another server or uses other credentials', () => {
    const a = make(`${bucket}-cpc`);
    const other = make(`${bucket}-cpd`, { accessKey: 'someone-else', secretKey: 'another-secret' });
    expect(a.copyFrom?.(other, [])).toBeUndefined();
    expect(other.copyFrom?.(a, [])).toBeUndefined();
  });
});
