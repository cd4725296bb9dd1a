/**
 * Large documents are streamed (issue 22, item 5): copyPage reads them with openRead and writes them with
 * putStream, inflating and deflating on the way, never with getMany/putMany; digest and size are checked as the
 * stream ends, and a copy whose source disagrees with its row is removed again. Real PostgreSQL, a real localfs
 * directory and the stack's real S3 server; the threshold is lowered so that documents of a few MiB stream.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createPgMetadataStore, journalRowsOfPage } from '../../src/catalog';
import { createCopyPage } from '../../src/activities/copy-page';
import { createVerifyPage } from '../../src/activities/verify-page';
import { createLocalfsDriver } from '../../src/drivers/localfs';
import { createObjectStoreManager } from '../../src/drivers/manager';
import { createS3Driver } from '../../src/drivers/s3';
import { createSwiftDriver } from '../../src/drivers/swift';
import type { ObjectStoreDriver } from '../../src/drivers/types';
import { createLogger } from '../../src/logger';
import type { MigrationInput } from '../../src/shared/migration';
import { createTestCatalog, type TestCatalog } from '../helpers/catalog-db';
import { journalAndOnePage, ONE_PAGE_RUN } from '../helpers/copy-page';
import { stackEnv } from '../helpers/stack-env';

jest.setTimeout(120_000);

const MIB = 1024 * 1024;
const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

let catalog: TestCatalog;
let tasks = 0;
const drivers: ObjectStoreDriver[] = [];
beforeAll(async () => {
  catalog = await createTestCatalog();
});
afterAll(async () => {
  for (const d of drivers) await d.close();
  await catalog?.drop();
});

function localfs(): ObjectStoreDriver {
  const dir = join(mkdtempSync(join(tmpdir(), 'aos-stream-')), 'data');
  mkdirSync(dir);
  const d = createLocalfsDriver({ archiveDataDir: dir });
  drivers.push(d);
  return d;
}

async function s3(): Promise<ObjectStoreDriver> {
  const d = createS3Driver({
    bucket: `aos-stream-${randomUUID().slice(0, 8)}`,
    accessKey: stackEnv.s3AccessKey,
    secretKey: stackEnv.s3SecretKey,
    url: stackEnv.s3Endpoint,
    createBucket: true,
    multipartThreshold: 5 * MIB,
    partSize: 5 * MIB,
  });
  drivers.push(d);
  await d.selfCheck();
  return d;
}

/** Records which calls read and wrote bodies. */
function recording(d: ObjectStoreDriver, calls: string[]): ObjectStoreDriver {
  return {
    ...d,
    getMany: (uris, opts) => (calls.push(`getMany ${uris.length}`), d.getMany(uris, opts)),
    putMany: (items, opts) => (calls.push(`putMany ${items.length}`), d.putMany(items, opts)),
    openRead: async (uri, opts) => (calls.push('openRead'), d.openRead?.(uri, opts)),
    putStream: async (ref, body, opts) => (calls.push('putStream'), d.putStream!(ref, body, opts)),
  };
}

async function swift(): Promise<ObjectStoreDriver> {
  const d = createSwiftDriver({
    container: `aos-stream-${randomUUID().slice(0, 8)}`,
    prefix: 'anchore/',
    createContainer: true,
    auth: { version: '1.0', url: stackEnv.swiftAuthUrl, user: stackEnv.swiftUser, key: stackEnv.swiftKey },
  });
  drivers.push(d);
  await d.selfCheck();
  return d;
}

test.each([
  ['localfs (uncompressed) → s3 (compressed): deflated on the way', localfs, s3, false, true],
  ['s3 (compressed) → localfs (uncompressed): inflated on the way', s3, localfs, true, false],
  ['localfs (compressed) → swift (uncompressed): chunked upload', localfs, swift, true, false],
  ['swift (uncompressed) → localfs (compressed): streamed read', swift, localfs, false, true],
])('%s', async (_label, makeFrom, makeTo, fromCompressed, toCompressed) => {
  const [fromDriver, toDriver] = [await makeFrom(), await makeTo()];
  const calls: string[] = [];
  const source = recording(fromDriver, calls);
  const dest = recording(toDriver, calls);
  const compression = (on: boolean) => ({ enabled: on, min_size_kbytes: 1 });
  const userId = `stream-${randomUUID().slice(0, 8)}`;
  const manager = createObjectStoreManager(
    fromDriver,
    compression(fromCompressed),
    createPgMetadataStore(catalog.pool),
  );
  // Random bytes: deflate cannot shrink them below the threshold, so the stored bodies stay large.
  const bodies = {
    big: randomBytes(12 * MIB),
    other: randomBytes(3 * MIB),
    lying: randomBytes(2 * MIB), // its row's digest is then changed: its source disagrees
    small: Buffer.from('{"small": true}'),
  };
  for (const [key, body] of Object.entries(bodies)) await manager.put(userId, 'grypedb', key, body);
  await catalog.pool.query(
    `UPDATE archive_metadata SET digest = $2 WHERE "userId" = $1 AND "archiveId" = 'lying'`,
    [userId, '0'.repeat(32)],
  );
  const input: MigrationInput = {
    ...ONE_PAGE_RUN,
    taskId: ++tasks,
    catalogFingerprint: 'test',
    from: { compression: compression(fromCompressed), storage_driver: { name: 'from', config: {} } },
    to: { compression: compression(toCompressed), storage_driver: { name: 'to', config: {} } },
    selection: { sourcePrefix: fromDriver.location, buckets: [], excludeBuckets: [] },
    destLocation: toDriver.location,
  } as unknown as MigrationInput;
  const page = await journalAndOnePage(catalog.pool, input);
  const deps = {
    pool: catalog.pool,
    fingerprint: 'test',
    drivers: {
      driverFor: (s: { storage_driver: { name: string } }) =>
        s.storage_driver.name === 'from' ? source : dest,
      close: async () => undefined,
    },
    log: createLogger('silent'),
    streamAboveBytes: MIB,
  };
  const counts = await new MockActivityEnvironment().run(createCopyPage(deps), input, page);
  expect(counts).toMatchObject({ documents: 3, failed: 1 });
  // The three large ones streamed (the lying one too, and read again after each wait); the small one batched.
  expect(calls.filter((c) => c === 'putStream').length).toBeGreaterThanOrEqual(3);
  expect(calls.filter((c) => c.startsWith('getMany'))).toEqual(['getMany 1']);

  const rows = await journalRowsOfPage(catalog.pool, input.taskId, page.index, 'copied');
  expect(rows.map((r) => r.archiveId).sort()).toEqual(['big', 'other', 'small']);
  for (const r of rows) {
    const stored = await toDriver.get(r.dest_url as string);
    expect(md5(stored)).toBe(r.dest_digest);
    expect(stored.length).toBe(r.dest_size);
    expect(r.dest_compressed).toBe(toCompressed && r.archiveId !== 'small');
    const logical = r.dest_compressed ? inflateSync(stored) : stored;
    expect(logical.equals(bodies[r.archiveId as keyof typeof bodies])).toBe(true);
  }
  const [failed] = await journalRowsOfPage(catalog.pool, input.taskId, page.index, 'failed');
  expect(failed).toMatchObject({ archiveId: 'lying', error_code: 'digest_mismatch' });
  // The lying document's copy was written before its check ended, and removed again.
  expect(await toDriver.exists(toDriver.uriFor({ userId, bucket: 'grypedb', key: 'lying' }))).toBe(false);

  // Verify hashes what it must read back by streaming too (multipart copies on S3 have no md5).
  calls.length = 0;
  const verified = await new MockActivityEnvironment().run(createVerifyPage(deps), input, page);
  expect(verified).toMatchObject({ switched: 3, failed: 0 });
  expect(calls.filter((c) => c.startsWith('getMany'))).toEqual([]);
});
