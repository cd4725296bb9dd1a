/**
 * Property tests of every real driver (issue 22, item 9): arbitrary bodies (any leading bytes, every length
 * around the compression threshold, up to ~70 KB) under arbitrary keys (Anchore's shapes and an adversarial
 * alphabet) are written with put and putMany (over an older body, sometimes), and read back byte for byte by get
 * and getMany; statMany reports their size and proves their md5; exists follows; delete and deleteMany remove them.
 * db and db2 on a throwaway catalog, localfs on a temp dir, s3 on VersityGW and on SeaweedFS, swift: the dev stack.
 * Keys a backend cannot hold are left out by name only (keyLimit, conflictingDocs in property-arbitraries.ts).
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { provenMd5, type DocumentRef, type ObjectStoreDriver } from '../../src/drivers/types';
import { md5Hex } from '../../src/drivers/util';
import { createTestCatalog, type TestCatalog } from '../helpers/catalog-db';
import { bodyArb, describeBody, docsArb, holdable, type PropertyDoc } from '../helpers/property-arbitraries';
import { createRealDrivers, REAL_STORES, type RealDrivers, type RealStore } from '../helpers/real-drivers';

// SeaweedFS allocates its first volumes on the first write to a new bucket: seconds, not milliseconds.
jest.setTimeout(90_000);

/** Runs per store: the six stores together stay well under a minute on the dev stack. */
const NUM_RUNS = 80;

let catalog: TestCatalog;
let real: RealDrivers;
beforeAll(async () => {
  catalog = await createTestCatalog();
  real = await createRealDrivers(catalog, 'aos-prop');
});
afterAll(async () => {
  await real?.close();
  await catalog?.drop();
});

/** What a run does with each document: write it over an older body (when set), with put or (batched) putMany. */
const writeArb = fc.record({ older: fc.option(bodyArb, { freq: 5 }), batched: fc.boolean() });
type Doc = PropertyDoc & { readonly older: Buffer | null; readonly batched: boolean };
const runArb: fc.Arbitrary<Doc[]> = docsArb(6, writeArb);

/** A fresh account per run: no run sees another's objects, and a shrunk run starts clean. */
const freshUser = (): string => `prop-${randomUUID().slice(0, 8)}`;

async function roundTrip(d: ObjectStoreDriver, store: RealStore, userId: string, all: Doc[]): Promise<void> {
  const { kept: docs } = holdable([store], userId, all);
  const ref = (doc: Doc): DocumentRef => ({ userId, bucket: doc.bucket, key: doc.key });
  const uris = docs.map((doc) => d.uriFor(ref(doc)));
  const missing = d.uriFor({ userId, bucket: 'analysis_data', key: 'never-written' });

  // Older bodies first (the write below must replace them whatever their size), then each body.
  for (const doc of docs) if (doc.older) await d.put(ref(doc), doc.older);
  for (const [i, doc] of docs.entries())
    if (!doc.batched) expect(await d.put(ref(doc), doc.body)).toBe(uris[i]);
  const batch = docs.filter((doc) => doc.batched);
  const batchUris = await d.putMany(
    batch.map((doc) => ({ ref: ref(doc), data: doc.body, md5: md5Hex(doc.body) })),
  );
  expect(batchUris).toEqual(batch.map((doc) => d.uriFor(ref(doc))));

  for (const [i, doc] of docs.entries()) {
    const back = await d.get(uris[i] as string);
    expect(describeBody(back)).toBe(describeBody(doc.body));
    expect(back.equals(doc.body)).toBe(true);
    expect(await d.exists(uris[i] as string)).toBe(true);
  }
  const many = await d.getMany([...uris, missing]);
  expect(many.size).toBe(docs.length);
  docs.forEach((doc, i) => expect(many.get(uris[i] as string)?.equals(doc.body)).toBe(true));

  if (d.statMany) {
    const stats = await d.statMany([...uris, missing]);
    expect(stats.size).toBe(docs.length);
    docs.forEach((doc, i) => {
      const st = stats.get(uris[i] as string);
      expect(st?.size).toBe(doc.body.length);
      // Every store here proves the md5 of a single-part, unencrypted object: SQL md5(), the file's md5, the
      // ETag of a HEAD or (equal to the digest) of a listing. A stat that proves none, or another, fails.
      expect(st && provenMd5(st, md5Hex(doc.body))).toBe(md5Hex(doc.body));
    });
  }

  // Half one by one, half in one batch; a missing URI among them is no error.
  const half = Math.ceil(uris.length / 2);
  for (const uri of uris.slice(0, half)) await d.delete(uri);
  await d.deleteMany([...uris.slice(half), missing]);
  for (const uri of uris) {
    expect(await d.exists(uri)).toBe(false);
    await expect(d.get(uri)).rejects.toMatchObject({ name: 'ObjectKeyNotFoundError' });
  }
  expect((await d.getMany(uris)).size).toBe(0);
  if (d.statMany) expect((await d.statMany(uris)).size).toBe(0);
}

describe.each(REAL_STORES)('%s driver', (store) => {
  test('arbitrary bodies under arbitrary keys round-trip through put/putMany, get/getMany, statMany and delete', async () => {
    const d = real.drivers[store];
    await fc.assert(
      fc.asyncProperty(runArb, (docs) => roundTrip(d, store, freshUser(), docs)),
      { numRuns: NUM_RUNS, interruptAfterTimeLimit: 30_000 },
    );
  });
});
