/**
 * The world of the activity-level safety tests: a real PostgreSQL catalog with 40 documents in the db driver,
 * an in-memory destination every activity shares (one migration's copies are another's), activity runners, and
 * the end-state oracle.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Pool } from 'pg';
import { createHash } from 'node:crypto';
import { createCopyPage } from '../../src/activities/copy-page';
import { createDeletePage } from '../../src/activities/delete-page';
import type { ActivityDeps } from '../../src/activities/deps';
import { createVerifyPage } from '../../src/activities/verify-page';
import { createDbDriver } from '../../src/drivers/db';
import { createMemoryDriver, type MemoryDriver } from '../../src/drivers/memory';
import type { ObjectStoreDriver } from '../../src/drivers/types';
import { createLogger } from '../../src/logger';
import type { MigrationInput, PageBounds, Progress } from '../../src/shared/migration';
import { anchoreDbStore, createTestCatalog, type TestCatalog } from './catalog-db';
import { ONE_PAGE_RUN } from './copy-page';
import { makeFixture } from './fixture';

export const DOCS = 40;

export const SAFETY_RUN: Omit<MigrationInput, 'taskId'> = {
  ...ONE_PAGE_RUN,
  catalogFingerprint: 'test',
  from: { compression: { enabled: false, min_size_kbytes: 100 }, storage_driver: { name: 'db', config: {} } },
  to: {
    compression: { enabled: false, min_size_kbytes: 100 },
    storage_driver: { name: 'memory', config: {} },
  },
  selection: { sourcePrefix: 'db://', buckets: [], excludeBuckets: [] },
  destLocation: 'memory://default/',
};

export interface SafetyWorld {
  readonly catalog: TestCatalog;
  readonly dest: MemoryDriver;
  /** Activity dependencies whose destination is `dest` (or the given driver). */
  depsWith(dest?: ObjectStoreDriver): ActivityDeps;
  /** Metadata URLs whose document is not readable there with the row's digest and size. */
  unreadable(): Promise<string[]>;
}

export async function createSafetyWorld(dest: MemoryDriver = createMemoryDriver()): Promise<SafetyWorld> {
  const catalog = await createTestCatalog();
  const db = anchoreDbStore(catalog.pool);
  for (const d of makeFixture(DOCS)) await db.put(d.userId, d.bucket, d.key, d.logical);
  const source = createDbDriver(catalog.pool);
  const depsWith: SafetyWorld['depsWith'] = (to = dest) => ({
    pool: catalog.pool,
    fingerprint: 'test',
    log: createLogger('silent'),
    drivers: {
      driverFor: (store) => (store.storage_driver.name === 'db' ? source : to),
      close: async () => undefined,
    },
  });
  const unreadable = async (): Promise<string[]> => {
    const rows = await catalog.pool.query<{ content_url: string; digest: string; size: string }>(
      'SELECT content_url, digest, size FROM archive_metadata',
    );
    const bad: string[] = [];
    for (const r of rows.rows) {
      const driver = r.content_url.startsWith('db://') ? source : dest;
      const body = (await driver.getMany([r.content_url])).get(r.content_url);
      const md5 = body && createHash('md5').update(body).digest('hex');
      if (!body || body.length !== Number(r.size) || md5 !== r.digest) bad.push(r.content_url);
    }
    return bad;
  };
  return { catalog, dest, depsWith, unreadable };
}

/** Runs an activity function as Temporal would (a mock activity context). */
export const runActivity = <A extends unknown[], R>(fn: (...a: A) => Promise<R>, ...args: A): Promise<R> =>
  new MockActivityEnvironment().run(fn, ...args);

/** copy → verify+switch → delete of one page, as one round of the workflow. */
export async function migratePage(
  deps: ActivityDeps,
  input: MigrationInput,
  page: PageBounds,
): Promise<void> {
  await runActivity(createCopyPage(deps), input, page);
  await runActivity(createVerifyPage(deps), input, page);
  await runActivity(createDeletePage(deps), input, page);
}

/** Anchore (still on the source config) rewrites `n` documents: new bytes at the same key and content_url. */
export async function anchoreRewrites(pool: Pool, n: number): Promise<Map<string, string>> {
  const rows = await pool.query<{ userId: string; bucket: string; archiveId: string }>(
    `SELECT "userId", bucket, "archiveId" FROM archive_metadata ORDER BY bucket, "archiveId", "userId", "documentName" LIMIT $1`,
    [n],
  );
  const db = anchoreDbStore(pool);
  const digests = new Map<string, string>();
  for (const r of rows.rows) {
    const body = Buffer.from(JSON.stringify({ rewritten: r.archiveId, at: Date.now() }));
    await db.put(r.userId, r.bucket, r.archiveId, body);
    digests.set(r.archiveId, createHash('md5').update(body).digest('hex'));
  }
  return digests;
}

/** A fresh safety world for each test of the file (created before, dropped after); call it for the current one. */
export function safetyWorldPerTest(): () => SafetyWorld {
  let world: SafetyWorld | undefined;
  beforeEach(async () => {
    world = await createSafetyWorld();
  });
  afterEach(async () => {
    await world?.catalog.drop();
    world = undefined;
  });
  return () => {
    if (!world) throw new Error('the safety world exists only while a test runs');
    return world;
  };
}

/** `dest` with every read refused as a network error until `restore()`: a destination outage. */
export function downDestination(dest: ObjectStoreDriver): { driver: ObjectStoreDriver; restore(): void } {
  let down = true;
  const cut = (): never => {
    throw new Error('ECONNREFUSED: destination down (test)');
  };
  return {
    driver: {
      ...dest,
      statMany: undefined,
      getMany: async (...a) => (down ? cut() : dest.getMany(...a)),
      exists: async (...a) => (down ? cut() : dest.exists(...a)),
    },
    restore: () => (down = false),
  };
}

/** Pages a migration has started so far: set aside, in flight or done. */
export const pagesStarted = (p: Progress): number => p.setAsidePages + p.inFlightPages + p.counters.pagesDone;
