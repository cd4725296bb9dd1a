/**
 * Rollback and a given-up page never delete a copy a row points at, rollback never brings back an older
 * version, and a document Anchore rewrites mid-run is moved at its newest version (issue 20, scenarios 1, 2
 * and 4). Real PostgreSQL (catalog, journal, db source); the destination is the in-memory driver, shared by
 * every activity of the test so one migration's copies are another's.
 */
import { createHash } from 'node:crypto';
import { createCopyPage } from '../../src/activities/copy-page';
import { createDeletePage } from '../../src/activities/delete-page';
import type { ActivityDeps } from '../../src/activities/deps';
import { createFailPage } from '../../src/activities/fail-page';
import { createRollbackBatch } from '../../src/activities/rollback-batch';
import { createVerifyPage } from '../../src/activities/verify-page';
import { phaseCounts } from '../../src/catalog';
import type { MigrationInput, PageBounds } from '../../src/shared/migration';
import type { TestCatalog } from '../helpers/catalog-db';
import { journalAndOnePage } from '../helpers/copy-page';
import {
  anchoreRewrites,
  createSafetyWorld,
  migratePage as migrateWith,
  runActivity as run,
  SAFETY_RUN as base,
  type SafetyWorld,
} from '../helpers/safety-world';

let world: SafetyWorld;
let catalog: TestCatalog;
let deps: ActivityDeps;

beforeEach(async () => {
  world = await createSafetyWorld();
  catalog = world.catalog;
  deps = world.depsWith();
});
afterEach(async () => {
  await catalog?.drop();
});

const dest = {
  get objects() {
    return world.dest.objects;
  },
};
const unreadable = (): Promise<string[]> => world.unreadable();
const migratePage = (input: MigrationInput, page: PageBounds): Promise<void> =>
  migrateWith(deps, input, page);

async function rollbackAll(input: MigrationInput): Promise<void> {
  const rollback = createRollbackBatch(deps);
  for (let i = 0; i < 100; i++) {
    if (!(await run(rollback, input, 500)).remaining) return;
  }
  throw new Error('rollback did not end');
}

test('rollback of a migration that stopped early leaves the copies a later re-run switched to', async () => {
  const first = { ...base, taskId: 7, nodelete: true };
  const page = await journalAndOnePage(catalog.pool, first);
  // Task 7 copied the page and stopped (cancel or fatal error) before verifying it.
  await run(createCopyPage(deps), first, page);
  expect((await phaseCounts(catalog.pool, 7)).copied).toBe(page.documents);
  // The same migration started again: task 8 writes the same destination keys, switches and deletes sources.
  const second = { ...base, taskId: 8 };
  await migratePage(second, page);
  expect((await phaseCounts(catalog.pool, 8)).deleted).toBe(page.documents);
  expect(await unreadable()).toEqual([]);

  await rollbackAll(first);

  expect(await unreadable()).toEqual([]);
  expect(dest.objects.size).toBe(page.documents);
});

test('giving up a page of a stopped migration leaves the copies a later re-run switched to', async () => {
  const first = { ...base, taskId: 7, nodelete: true };
  const page = await journalAndOnePage(catalog.pool, first);
  await run(createCopyPage(deps), first, page);
  await migratePage({ ...base, taskId: 8 }, page);

  await run(createFailPage(deps), first, page, 'destination unreachable');

  expect(await unreadable()).toEqual([]);
  expect(dest.objects.size).toBe(page.documents);
  expect((await phaseCounts(catalog.pool, 7)).failed).toBe(page.documents);
});

test('rollback leaves a document Anchore rewrote at the destination at its newer version', async () => {
  const input = { ...base, taskId: 9, nodelete: true };
  const page = await journalAndOnePage(catalog.pool, input);
  await migratePage(input, page);
  expect((await phaseCounts(catalog.pool, 9)).switched).toBe(page.documents);
  // Anchore, now on the destination config, rewrites some documents: same key and content_url, new bytes.
  const rewritten = await catalog.pool.query<{ content_url: string }>(
    `SELECT content_url FROM archive_metadata ORDER BY "archiveId" LIMIT 5`,
  );
  for (const { content_url } of rewritten.rows) {
    const body = Buffer.from(JSON.stringify({ rewritten: content_url }));
    dest.objects.set(content_url, body);
    await catalog.pool.query(
      `UPDATE archive_metadata SET digest = $2, size = $3, last_updated = last_updated + 1 WHERE content_url = $1`,
      [content_url, createHash('md5').update(body).digest('hex'), body.length],
    );
  }

  await rollbackAll(input);

  expect(await unreadable()).toEqual([]);
  const kept = await catalog.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM archive_metadata WHERE content_url = ANY($1)`,
    [rewritten.rows.map((r) => r.content_url)],
  );
  expect(kept.rows[0]?.n).toBe(5);
  const failed = await catalog.pool.query<{ error_code: string; n: number }>(
    `SELECT error_code, count(*)::int AS n FROM objectstorage_journal WHERE task_id = 9 AND phase = 'failed'
     GROUP BY error_code`,
  );
  expect(failed.rows).toEqual([{ error_code: 'rollback_metadata_changed', n: 5 }]);
});

/** The digest each rewritten document's row holds now, and whether the row points at the destination. */
async function rowsOf(ids: Iterable<string>): Promise<Map<string, { digest: string; moved: boolean }>> {
  const res = await catalog.pool.query<{ archiveId: string; digest: string; content_url: string }>(
    `SELECT "archiveId", digest, content_url FROM archive_metadata WHERE "archiveId" = ANY($1)`,
    [[...ids]],
  );
  return new Map(
    res.rows.map((r) => [r.archiveId, { digest: r.digest, moved: r.content_url.startsWith('memory://') }]),
  );
}

test('a document Anchore rewrites between copy and switch is copied again, never switched to the stale copy', async () => {
  const input = { ...base, taskId: 10 };
  const page = await journalAndOnePage(catalog.pool, input);
  await run(createCopyPage(deps), input, page);
  const rewritten = await anchoreRewrites(catalog.pool, 5);

  const verified = await run(createVerifyPage(deps), input, page);
  expect(verified).toMatchObject({ switched: page.documents - 5, failed: 0, stale: 5 });
  await run(createDeletePage(deps), input, page);
  expect(await unreadable()).toEqual([]);
  // The next round of the page copies the rewritten documents again, at their new version.
  await migratePage(input, page);

  expect(await unreadable()).toEqual([]);
  const now = await rowsOf(rewritten.keys());
  for (const [id, digest] of rewritten) expect(now.get(id)).toEqual({ digest, moved: true });
  expect(await phaseCounts(catalog.pool, 10)).toMatchObject({ deleted: page.documents, failed: 0, stale: 0 });
});

test('a source Anchore rewrites after its switch is not deleted, and is copied again', async () => {
  const input = { ...base, taskId: 11 };
  const page = await journalAndOnePage(catalog.pool, input);
  await run(createCopyPage(deps), input, page);
  await run(createVerifyPage(deps), input, page);
  const rewritten = await anchoreRewrites(catalog.pool, 5);

  expect(await run(createDeletePage(deps), input, page)).toMatchObject({
    deleted: page.documents - 5,
    stale: 5,
  });
  expect(await unreadable()).toEqual([]);
  await migratePage(input, page);

  expect(await unreadable()).toEqual([]);
  const now = await rowsOf(rewritten.keys());
  for (const [id, digest] of rewritten) expect(now.get(id)).toEqual({ digest, moved: true });
  expect(await phaseCounts(catalog.pool, 11)).toMatchObject({ deleted: page.documents, failed: 0, stale: 0 });
  // The journal's timestamps are those of the round that moved each document, in order.
  const outOfOrder = await catalog.pool.query(
    `SELECT "archiveId" FROM objectstorage_journal WHERE task_id = 11 AND NOT (copied_at <= verified_at
       AND verified_at <= switched_at AND switched_at <= deleted_at)`,
  );
  expect(outOfOrder.rows).toEqual([]);
});

test('a document Anchore deletes between copy and switch leaves no copy behind and fails nothing', async () => {
  const input = { ...base, taskId: 12 };
  const page = await journalAndOnePage(catalog.pool, input);
  await run(createCopyPage(deps), input, page);
  // Anchore deletes three documents (their rows; the source bodies with them) after they were copied.
  const gone = await catalog.pool.query<{ dest_url: string }>(
    `DELETE FROM archive_metadata m USING objectstorage_journal j
     WHERE j.task_id = 12 AND (j.bucket, j."archiveId", j."userId", j."documentName") =
       (m.bucket, m."archiveId", m."userId", m."documentName")
       AND m."archiveId" IN (SELECT "archiveId" FROM archive_metadata ORDER BY "archiveId" LIMIT 3)
     RETURNING j.dest_url`,
  );
  expect(gone.rows).toHaveLength(3);
  for (const { dest_url } of gone.rows) expect(dest.objects.has(dest_url)).toBe(true);

  const verified = await run(createVerifyPage(deps), input, page);

  // Before, they failed (`metadata_changed`) and their copies stayed at the destination, pointed at by nothing.
  expect(verified).toMatchObject({ switched: page.documents - 3, failed: 0 });
  for (const { dest_url } of gone.rows) expect(dest.objects.has(dest_url)).toBe(false);
  expect(await phaseCounts(catalog.pool, 12)).toMatchObject({ switched: page.documents - 3, failed: 0 });
  expect(await unreadable()).toEqual([]);
});
