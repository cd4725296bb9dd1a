/**
 * copyPage with server-side copies: chunks are cut by count only (no body passes through the worker), while the
 * documents the server cannot copy (a multipart source, whose ETag is no md5) are read in chunks that bound the
 * bodies in memory and draw from the byte budget. Real PostgreSQL catalog and journal; the stores are memory
 * drivers, the destination with a copyFrom that refuses the large documents as a multipart source would be.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { createPgMetadataStore, phaseCounts } from '../../src/catalog';
import { createCopyPage } from '../../src/activities/copy-page';
import { createObjectStoreManager } from '../../src/drivers/manager';
import { createMemoryDriver } from '../../src/drivers/memory';
import { mapLimit } from '../../src/drivers/util';
import type { ObjectStoreDriver } from '../../src/drivers/types';
import { createLogger } from '../../src/logger';
import type { MigrationInput, PageBounds } from '../../src/shared/migration';
import { createTestCatalog, type TestCatalog } from '../helpers/catalog-db';
import { journalAndOnePage, ONE_PAGE_RUN, recordingBudget } from '../helpers/copy-page';

const MIB = 1024 * 1024;
const DOCS = 300;
/** Every 50th document is 1.5 MiB: over a third of all bytes, refused by the server-side copy. */
const isLarge = (i: number): boolean => i % 50 === 7;

const off = { enabled: false, min_size_kbytes: 100 };
const input: MigrationInput = {
  ...ONE_PAGE_RUN,
  taskId: 1,
  catalogFingerprint: 'test',
  from: { compression: off, storage_driver: { name: 'memory', config: {} } },
  to: { compression: off, storage_driver: { name: 'memory', config: {} } },
  selection: { sourcePrefix: 'memory://src/', buckets: [], excludeBuckets: [] },
  destLocation: 'memory://dst/',
};

let catalog: TestCatalog;
let page: PageBounds;
const source = createMemoryDriver({ name: 'src' });

beforeAll(async () => {
  catalog = await createTestCatalog();
  const manager = createObjectStoreManager(source, off, createPgMetadataStore(catalog.pool));
  for (let i = 0; i < DOCS; i++) {
    const body = Buffer.alloc(isLarge(i) ? 1.5 * MIB : 20_000, `document ${i} `);
    await manager.put('admin', 'analysis_data', `sha256:${String(i).padStart(4, '0')}`, body);
  }
  page = await journalAndOnePage(catalog.pool, input);
});
afterAll(async () => {
  await catalog?.drop();
});

test('server-side chunks are cut by count; what must be read goes in byte-bounded chunks within the budget', async () => {
  expect(page.documents).toBe(DOCS);
  const large = new Set([...source.objects].filter(([, body]) => body.length > MIB).map(([uri]) => uri));
  const copyBatches: number[] = [];
  const readBatches: string[][] = [];
  const dest = createMemoryDriver({ name: 'dst' });
  const src: ObjectStoreDriver = {
    ...source,
    // a multipart source: size known, no md5
    statMany: async (uris) =>
      new Map(uris.map((u) => [u, { size: (source.objects.get(u) as Buffer).length }])),
    getMany: async (uris, opts) => {
      readBatches.push([...uris]);
      return source.getMany(uris, opts);
    },
  };
  const serverSideDest: ObjectStoreDriver = {
    ...dest,
    canCopyFrom: (s) => s === src,
    copyFrom: async (_s, items) => {
      copyBatches.push(items.length);
      return Promise.all(
        items.map(async (item) => {
          if (item.expectMd5 && large.has(item.sourceUri)) return { skipped: 'etag_mismatch' as const };
          const uri = await dest.put(item.ref, source.objects.get(item.sourceUri) as Buffer);
          return { uri };
        }),
      );
    },
  };
  const { budget, held } = recordingBudget();
  const copyPage = createCopyPage({
    pool: catalog.pool,
    fingerprint: 'test',
    drivers: {
      // MockActivityEnvironment passes the input as it is, so the stores are these very objects
      driverFor: (store) => (store === input.from ? src : serverSideDest),
      close: async () => undefined,
    },
    log: createLogger('silent'),
    budget,
  });

  const counts = await new MockActivityEnvironment().run(copyPage, input, page);

  expect(counts).toMatchObject({ documents: DOCS, failed: 0 });
  expect((await phaseCounts(catalog.pool, input.taskId)).copied).toBe(DOCS);
  // Conditional copies in a chunk of 256 and one of 44; the refused large ones show no md5 (multipart), so
  // they are read instead: no unconditional copy follows.
  expect(copyBatches).toEqual([256, DOCS - 256]);
  // Only the large documents were read, each in a chunk of its own (1.5 MiB + 1.5 MiB > 2 MiB).
  expect(readBatches.flat().sort()).toEqual([...large].sort());
  expect(readBatches.every((b) => b.length === 1)).toBe(true);
  expect(held).toEqual(readBatches.map(() => 1.5 * MIB));
  for (const uri of large) {
    const key = uri.slice('memory://src/'.length);
    expect(dest.objects.get(`memory://dst/${key}`)?.equals(source.objects.get(uri) as Buffer)).toBe(true);
  }
});

test('server-side copies a chunk made before a store-wide error are journaled before the error goes up', async () => {
  const task = { ...input, taskId: 2 };
  const dest = createMemoryDriver({ name: 'dst' });
  const failAt = 120;
  let made = 0;
  const src: ObjectStoreDriver = { ...source, statMany: async () => new Map() };
  const serverSideDest: ObjectStoreDriver = {
    ...dest,
    canCopyFrom: (s) => s === src,
    // The drivers' contract: bounded parallel copies, each reported as it completes.
    copyFrom: (_s, items, opts) =>
      mapLimit(items, 8, async (item, i) => {
        if (i === failAt) throw new Error('injected: destination unavailable');
        const uri = await dest.put(item.ref, source.objects.get(item.sourceUri) as Buffer);
        made += 1;
        const result = { uri };
        opts?.onDone?.(i, result);
        return result;
      }),
  };
  const copyPage = createCopyPage({
    pool: catalog.pool,
    fingerprint: 'test',
    drivers: {
      driverFor: (store) => (store === task.from ? src : serverSideDest),
      close: async () => undefined,
    },
    log: createLogger('silent'),
  });
  await expect(new MockActivityEnvironment().run(copyPage, task, page)).rejects.toThrow('injected');
  // Before the fix none of them was journaled: copies at the destination the journal did not know.
  expect(made).toBeGreaterThanOrEqual(failAt);
  expect((await phaseCounts(catalog.pool, task.taskId)).copied).toBe(made);
  expect(dest.objects.size).toBe(made);
});
