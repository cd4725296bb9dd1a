/**
 * The one driver conformance suite. Every driver (memory in the unit project; db, db2, localfs and s3 against
 * real backends in the integration project) runs exactly these tests.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { DocumentRef, ListedObject, ObjectStoreDriver } from '../../src/drivers/types';

/** What a driver's test file provides. */
export interface ConformanceTarget {
  /** Builds the driver under test (called once per file). */
  create(): Promise<ObjectStoreDriver>;
  /** The exact URI Anchore writes for the fixed ref `admin / policy_bundles / 2c53a13c-1ab7-4c2f/x:y`. */
  readonly expectedUri: string;
  /** Cleanup after the file. */
  teardown?(): Promise<void>;
}

export const FIXED_REF: DocumentRef = {
  userId: 'admin',
  bucket: 'policy_bundles',
  key: '2c53a13c-1ab7-4c2f/x:y',
};

const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

/** Bodies every driver must store and return byte for byte. */
const BODIES: Array<[string, Buffer]> = [
  ['empty', Buffer.alloc(0)],
  ['one byte', Buffer.from([0x7b])],
  ['binary, not UTF-8', Buffer.concat([allBytes, Buffer.from([0xff, 0xfe, 0xc3, 0x28])])],
  ['UTF-8 with a NUL byte', Buffer.from('{"a": "b\u0000c"}', 'utf8')],
  ['JSON document', Buffer.from('{"document": {"k": "v\\u00e9"}}', 'utf8')],
  ['6 MiB random', randomBytes(6 * 1024 * 1024)],
  // Large, with multi-byte characters across every socket and COPY chunk border.
  ['9 MiB UTF-8 text', Buffer.from('{"document": "' + 'ключ✓ü-'.repeat(700_000) + '"}', 'utf8')],
];

/** Keys with the characters real Anchore keys contain. */
const KEYS = [
  'sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945/docker.io/library/nginx:latest',
  'unicode/ключ/✓:ü',
  'plain-key',
  // The SQL drivers put keys into COPY statements as escaped literals.
  "o'brien\\x'; --",
];

export function describeDriverConformance(name: string, target: ConformanceTarget): void {
  describe(`${name} driver conformance`, () => {
    let driver: ObjectStoreDriver;
    // A fresh account per run so shared backends (one S3 bucket) never see another run's objects.
    const userId = `conf-${randomUUID().slice(0, 8)}`;
    const ref = (key: string, bucket = 'analysis_data'): DocumentRef => ({ userId, bucket, key });

    beforeAll(async () => {
      driver = await target.create();
    });
    afterAll(async () => {
      await driver?.close();
      await target.teardown?.();
    });

    test('builds the exact URI Anchore writes', () => {
      expect(driver.uriFor(FIXED_REF)).toBe(target.expectedUri);
      expect(target.expectedUri.startsWith(driver.location)).toBe(true);
    });

    test.each(BODIES)('round-trips a %s body', async (_label, body) => {
      const uri = await driver.put(ref(`body-${_label}`), body);
      expect(uri).toBe(driver.uriFor(ref(`body-${_label}`)));
      const back = await driver.get(uri);
      expect(back.length).toBe(body.length);
      expect(back.equals(body)).toBe(true);
    });

    test.each(KEYS)('round-trips key %s', async (key) => {
      const body = Buffer.from(`body of ${key}`);
      const uri = await driver.put(ref(key, 'vulnerability_scan'), body);
      expect(uri).toBe(driver.uriFor(ref(key, 'vulnerability_scan')));
      expect((await driver.get(uri)).toString()).toBe(`body of ${key}`);
      expect(await driver.exists(uri)).toBe(true);
    });

    test('put overwrites', async () => {
      const uri = await driver.put(ref('overwrite'), Buffer.from('first'));
      await driver.put(ref('overwrite'), Buffer.from('second'));
      expect((await driver.get(uri)).toString()).toBe('second');
    });

    test('delete removes, is idempotent, and exists follows', async () => {
      const uri = await driver.put(ref('to-delete'), Buffer.from('x'));
      expect(await driver.exists(uri)).toBe(true);
      await driver.delete(uri);
      expect(await driver.exists(uri)).toBe(false);
      await expect(driver.delete(uri)).resolves.toBeUndefined();
    });

    test('get of a missing key fails with ObjectKeyNotFoundError', async () => {
      const uri = driver.uriFor(ref('never-written'));
      await expect(driver.get(uri)).rejects.toMatchObject({ name: 'ObjectKeyNotFoundError' });
      expect(await driver.exists(uri)).toBe(false);
    });

    test('batch calls: putMany keeps order and reports each write, getMany omits missing, deleteMany removes all', async () => {
      const items = Array.from({ length: 25 }, (_, i) => ({
        ref: ref(`batch/${i}`),
        data: Buffer.from(`doc ${i}`),
      }));
      const reported = new Map<number, string>();
      const uris = await driver.putMany(items, { onDone: (i, uri) => reported.set(i, uri) });
      expect(uris).toEqual(items.map((i) => driver.uriFor(i.ref)));
      // Each write is reported as it completes: what a batch that fails part-way wrote is known.
      expect([...reported].sort(([a], [b]) => a - b).map(([, uri]) => uri)).toEqual(uris);
      const missing = driver.uriFor(ref('batch/missing'));
      const got = await driver.getMany([...uris, missing]);
      expect(got.size).toBe(25);
      expect(got.has(missing)).toBe(false);
      uris.forEach((u, i) => expect(got.get(u)?.toString()).toBe(`doc ${i}`));
      await driver.deleteMany([...uris, missing]);
      expect((await driver.getMany(uris)).size).toBe(0);
    });

    describe('listObjects', () => {
      const listAll = async (pageSize: number): Promise<ListedObject[]> => {
        const out: ListedObject[] = [];
        for await (const o of driver.listObjects?.({ pageSize }) ?? []) out.push(o);
        return out;
      };

      test('is implemented', () => {
        expect(typeof driver.listObjects).toBe('function');
      });

      test('lists every stored object across pages, with its URI, size and ref, and no deleted one', async () => {
        const items = [...KEYS, ...Array.from({ length: 12 }, (_, i) => `list/${i}`)].map((key, i) => ({
          ref: ref(key, i % 2 === 0 ? 'listing_a' : 'listing_b'),
          data: Buffer.from(`listed body ${i}`.repeat(i + 1)),
        }));
        const uris = await driver.putMany(items);
        const gone = await driver.put(ref('list/deleted', 'listing_a'), Buffer.from('bye'));
        await driver.delete(gone);

        // A small page size forces several backend requests (keyset / continuation tokens).
        const listed = await listAll(4);
        const byUri = new Map(listed.map((o) => [o.uri, o]));
        expect(byUri.size).toBe(listed.length); // no object twice
        for (const o of listed) expect(o.uri.startsWith(driver.location)).toBe(true);
        expect(byUri.has(gone)).toBe(false);
        items.forEach((item, i) => {
          const o = byUri.get(uris[i] as string);
          expect(o).toBeDefined();
          if (o?.size !== undefined) expect(o.size).toBe(item.data.length);
          if (o?.ref) expect(o.ref).toEqual(item.ref);
          if (o?.bucket !== undefined) expect(o.bucket).toBe(item.ref.bucket);
        });
        await driver.deleteMany(uris);
        const after = new Set((await listAll(1000)).map((o) => o.uri));
        for (const u of uris) expect(after.has(u)).toBe(false);
      });

      test('stops at once when the signal is aborted', async () => {
        const controller = new AbortController();
        controller.abort();
        const iterate = async (): Promise<void> => {
          for await (const o of driver.listObjects?.({ signal: controller.signal }) ?? []) void o;
        };
        await expect(iterate()).rejects.toMatchObject({ name: 'AbortError' });
      });
    });

    test('an aborted signal stops a call before it writes', async () => {
      const controller = new AbortController();
      controller.abort();
      await expect(
        driver.put(ref('aborted'), Buffer.from('x'), { signal: controller.signal }),
      ).rejects.toMatchObject({
        name: 'AbortError',
      });
      expect(await driver.exists(driver.uriFor(ref('aborted')))).toBe(false);
    });

    test('self-check passes and leaves nothing behind', async () => {
      await expect(driver.selfCheck()).resolves.toBeUndefined();
    });

    test('a malformed URI is a UriParseError', async () => {
      await expect(driver.get('nonsense')).rejects.toMatchObject({ name: 'UriParseError' });
    });
  });
}

export { allBytes };
