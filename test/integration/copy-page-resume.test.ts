/**
 * copyPage's in-page cursor: it heartbeats the last journaled key after every chunk, and a retried attempt
 * resumes after the cursor its predecessor heartbeated, reading only the documents not yet copied. Real
 * PostgreSQL (catalog, journal, db source); the destination is the in-memory driver so a failure can be injected.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { pageRows, phaseCounts, planPages, UNKNOWN_SIZE_BYTES } from '../../src/catalog';
import { createCopyPage, type CopyHeartbeat } from '../../src/activities/copy-page';
import type { DriverProvider } from '../../src/activities/deps';
import { createDbDriver } from '../../src/drivers/db';
import { createMemoryDriver } from '../../src/drivers/memory';
import { perObjectCalls } from '../../src/drivers/per-object';
import type { ObjectStoreDriver } from '../../src/drivers/types';
import { createLogger } from '../../src/logger';
import type { MigrationInput, PageBounds } from '../../src/shared/migration';
import { anchoreDbStore, createTestCatalog, type TestCatalog } from '../helpers/catalog-db';
import { journalAndOnePage, ONE_PAGE_RUN, recordingBudget } from '../helpers/copy-page';
import { makeFixture } from '../helpers/fixture';

const DOCS = 250;
let catalog: TestCatalog;
let page: PageBounds;

const input: MigrationInput = {
  ...ONE_PAGE_RUN,
  taskId: 1,
  catalogFingerprint: 'test',
  from: { compression: { enabled: false, min_size_kbytes: 100 }, storage_driver: { name: 'db', config: {} } },
  to: { compression: { enabled: true, min_size_kbytes: 1 }, storage_driver: { name: 'memory', config: {} } },
  selection: { sourcePrefix: 'db://', buckets: [], excludeBuckets: [] },
  destLocation: 'memory://default/',
};

beforeAll(async () => {
  catalog = await createTestCatalog();
  const db = anchoreDbStore(
    catalog.pool,
    input.from.compression as { enabled: boolean; min_size_kbytes: number },
  );
  for (const d of makeFixture(DOCS, { largeBytes: 64 * 1024 }))
    await db.put(d.userId, d.bucket, d.key, d.logical);
  page = await journalAndOnePage(catalog.pool, input);
});
afterAll(async () => {
  await catalog?.drop();
});

/** Drivers for the activity: the real db source (reads recorded) and a memory destination that can fail. */
function drivers(failOnPut?: number): { provider: DriverProvider; reads: string[] } {
  const reads: string[] = [];
  const source = createDbDriver(catalog.pool);
  const dest = createMemoryDriver();
  let puts = 0;
  const recordingSource: ObjectStoreDriver = {
    ...source,
    getMany: async (urls, opts) => {
      reads.push(...urls);
      return source.getMany(urls, opts);
    },
  };
  const failingDest: ObjectStoreDriver = {
    ...dest,
    putMany: async (items, opts) => {
      puts += 1;
      if (puts === failOnPut) throw new Error('injected: destination unavailable');
      return dest.putMany(items, opts);
    },
  };
  return {
    reads,
    provider: {
      driverFor: (store) => (store.storage_driver.name === 'db' ? recordingSource : failingDest),
      close: async () => undefined,
    },
  };
}

test('a retried copyPage resumes after the heartbeated cursor and copies every document exactly once', async () => {
  // Every loaded document (and whatever rows the test catalog starts with) is in the one page.
  expect(page.documents).toBeGreaterThanOrEqual(DOCS);
  const total = page.documents;
  const first = drivers(3);
  const copyPage = createCopyPage({
    pool: catalog.pool,
    fingerprint: 'test',
    drivers: first.provider,
    log: createLogger('silent'),
  });
  const env1 = new MockActivityEnvironment();
  const beats: CopyHeartbeat[] = [];
  env1.on('heartbeat', (d: CopyHeartbeat) => beats.push(d));
  await expect(env1.run(copyPage, input, page)).rejects.toThrow('injected');
  // Two chunks of 100 were journaled and heartbeated before the third chunk's write failed.
  expect(beats.map((b) => b.copied)).toEqual([100, 200]);
  expect(beats.every((b) => b.page === page.index && typeof b.cursor === 'string')).toBe(true);
  expect((await phaseCounts(catalog.pool, input.taskId)).copied).toBe(200);

  const second = drivers();
  const retry = createCopyPage({
    pool: catalog.pool,
    fingerprint: 'test',
    drivers: second.provider,
    log: createLogger('silent'),
  });
  const env2 = new MockActivityEnvironment({ heartbeatDetails: beats[beats.length - 1], attempt: 2 });
  const counts = await env2.run(retry, input, page);
  expect(counts).toMatchObject({ documents: total - 200, failed: 0 });
  // Only the documents after the cursor were read again.
  expect(second.reads).toHaveLength(total - 200);
  expect(new Set([...first.reads.slice(0, 200), ...second.reads]).size).toBe(total);
  expect((await phaseCounts(catalog.pool, input.taskId)).copied).toBe(total);
});

test('a chunk whose write fails part-way journals the copies it made, and the retry writes only the rest', async () => {
  const task = { ...input, taskId: 3 };
  const rows = await pageRows(catalog.pool, task.selection, page);
  let refused = rows[150]?.archiveId; // in the second chunk of 100
  const dest = createMemoryDriver();
  let puts = 0;
  // The real per-object batch write, over a store that fails one object's writes with a store-wide error.
  const failingDest: ObjectStoreDriver = {
    ...dest,
    ...perObjectCalls(
      async (uri) => dest.objects.get(uri),
      {
        put: async (ref, data, opts) => {
          if (ref.key === refused) throw new Error('injected: destination unavailable');
          puts += 1;
          return dest.put(ref, data, opts);
        },
        delete: (uri, opts) => dest.delete(uri, opts),
      },
      8,
    ),
  };
  const copyPage = createCopyPage({
    pool: catalog.pool,
    fingerprint: 'test',
    drivers: {
      driverFor: (store) => (store.storage_driver.name === 'db' ? createDbDriver(catalog.pool) : failingDest),
      close: async () => undefined,
    },
    log: createLogger('silent'),
  });
  const env1 = new MockActivityEnvironment();
  const beats: CopyHeartbeat[] = [];
  env1.on('heartbeat', (d: CopyHeartbeat) => beats.push(d));
  await expect(env1.run(copyPage, task, page)).rejects.toThrow('injected');
  expect(beats.map((b) => b.copied)).toEqual([100]);
  // Some of the second chunk's copies were written before the failure stopped it: the journal knows each one
  // (before the fix it knew only the first chunk's 100).
  const written = puts;
  expect(written).toBeGreaterThan(100);
  expect((await phaseCounts(catalog.pool, task.taskId)).copied).toBe(written);

  refused = undefined;
  puts = 0;
  const env2 = new MockActivityEnvironment({ heartbeatDetails: beats[beats.length - 1], attempt: 2 });
  await env2.run(copyPage, task, page);
  expect(puts).toBe(rows.length - written);
  expect((await phaseCounts(catalog.pool, task.taskId)).copied).toBe(rows.length);
  expect(dest.objects.size).toBe(rows.length);
});

test('documents without a recorded size are charged to the byte budget as UNKNOWN_SIZE_BYTES, not 0', async () => {
  const nullTask = { ...input, taskId: 2 };
  const keys = await catalog.pool.query<{ archiveId: string }>(
    `UPDATE archive_metadata SET size = NULL
     WHERE "archiveId" IN (SELECT "archiveId" FROM archive_metadata ORDER BY "archiveId" LIMIT 3)
     RETURNING "archiveId"`,
  );
  expect(keys.rows).toHaveLength(3);
  const { budget, held } = recordingBudget();
  const copyPage = createCopyPage({
    pool: catalog.pool,
    fingerprint: 'test',
    drivers: drivers().provider,
    log: createLogger('silent'),
    budget,
  });
  const counts = await new MockActivityEnvironment().run(copyPage, nullTask, page);
  expect(counts).toMatchObject({ failed: 0 });
  const sizes = await catalog.pool.query<{ known: string }>(
    `SELECT coalesce(sum(size), 0) AS known FROM archive_metadata`,
  );
  const charged = held.reduce((a, b) => a + b, 0);
  expect(charged).toBe(Number(sizes.rows[0]?.known) + 3 * UNKNOWN_SIZE_BYTES);
});

test('pages are cut counting a NULL size as UNKNOWN_SIZE_BYTES, and report only recorded bytes', async () => {
  const saved = await catalog.pool.query<{ archiveId: string; size: number | null }>(
    `SELECT "archiveId", size FROM archive_metadata`,
  );
  await catalog.pool.query(`UPDATE archive_metadata SET size = NULL`);
  try {
    const opts = { pages: 1, pageSize: 6, pageBytes: 2 * UNKNOWN_SIZE_BYTES, firstIndex: 0 };
    const planned = await planPages(catalog.pool, input.selection, undefined, opts);
    expect(planned.pages.map((p) => [p.documents, p.bytes])).toEqual([
      [2, 0],
      [2, 0],
      [2, 0],
    ]);
  } finally {
    await catalog.pool.query(
      `UPDATE archive_metadata m SET size = v.size FROM unnest($1::varchar[], $2::bigint[]) AS v(id, size)
       WHERE m."archiveId" = v.id`,
      [saved.rows.map((r) => r.archiveId), saved.rows.map((r) => r.size)],
    );
  }
});
