/**
 * The real migrateStore workflow end to end on the dev server, driven the way operators and Anchore drive it:
 * paused, throttled and resumed across continue-as-new, and with Anchore rewriting documents mid-run. Each run's
 * history is what test/unit/replay-histories.test.ts replays (recorded with RECORD_HISTORIES=1).
 */
import type { ObjectStoreDriver } from '../../src/drivers/types';
import { pauseUpdate, progressQuery, resumeUpdate, throttleUpdate } from '../../src/workflows/migrate-store';
import { waitFor } from '../helpers/processes';
import {
  anchoreRewrites,
  createSafetyWorld,
  DOCS,
  SAFETY_RUN,
  type SafetyWorld,
} from '../helpers/safety-world';
import { runMigrateStore, type WorkflowRun } from '../helpers/workflow-world';

jest.setTimeout(180_000);

let world: SafetyWorld;
let run: WorkflowRun | undefined;
beforeEach(async () => {
  world = await createSafetyWorld();
});
afterEach(async () => {
  await run?.close();
  run = undefined;
  await world?.catalog.drop();
});

test('paused, throttled and resumed across continue-as-new, every document moves once', async () => {
  const input = {
    ...SAFETY_RUN,
    taskId: 51,
    pageSize: 5,
    pagesPerRun: 3,
    throttle: { concurrency: 2, maxDocsPerSecond: 10, maxBytesPerSecond: 0 },
  };
  run = await runMigrateStore(world, input);
  const handle = run.handle;
  await waitFor(async () => (await handle.query(progressQuery)).counters.pagesDone >= 1, 60_000, 'a page');
  expect((await handle.executeUpdate(pauseUpdate)).phase).toBe('paused');
  const throttled = await handle.executeUpdate(throttleUpdate, { args: [{ concurrency: 1 }] });
  expect(throttled.throttle.concurrency).toBe(1);
  await handle.executeUpdate(resumeUpdate);

  const result = await handle.result();
  expect(result).toMatchObject({ state: 'complete', cancelled: false });
  expect(result.counters).toMatchObject({ total: DOCS, migrated: DOCS, failed: 0 });
  expect(world.dest.objects.size).toBe(DOCS);
  expect(await world.unreadable()).toEqual([]);
  expect((await handle.query(progressQuery)).runs).toBeGreaterThan(1);
  await run.recordHistory('pause-throttle-continue-as-new');
});

test('documents Anchore rewrites while their page moves are copied again at their newest version', async () => {
  let rewritten: Map<string, string> | undefined;
  const dest: ObjectStoreDriver = {
    ...world.dest,
    putMany: async (...args) => {
      const r = await world.dest.putMany(...args);
      rewritten ??= await anchoreRewrites(world.catalog.pool, 3); // after the first page's copies
      return r;
    },
  };
  const input = { ...SAFETY_RUN, taskId: 52, pageSize: 10 };
  run = await runMigrateStore(world, input, dest);

  const result = await run.handle.result();
  expect(result).toMatchObject({ state: 'complete', counters: { migrated: DOCS, failed: 0 } });
  expect(rewritten?.size).toBe(3);
  expect(await world.unreadable()).toEqual([]);
  const rows = await world.catalog.pool.query<{ archiveId: string; digest: string; content_url: string }>(
    `SELECT "archiveId", digest, content_url FROM archive_metadata WHERE "archiveId" = ANY($1)`,
    [[...(rewritten?.keys() ?? [])]],
  );
  for (const r of rows.rows) {
    expect(r.digest).toBe(rewritten?.get(r.archiveId));
    expect(r.content_url.startsWith('memory://')).toBe(true);
  }
  const copies = await world.catalog.pool.query<{ attempts: number }>(
    `SELECT attempts FROM objectstorage_journal WHERE task_id = 52 AND "archiveId" = ANY($1)`,
    [[...(rewritten?.keys() ?? [])]],
  );
  expect(copies.rows.map((r) => r.attempts)).toEqual([2, 2, 2]); // copied, found stale, copied again
  await run.recordHistory('anchore-rewrites-recopy');
});
