/**
 * The real migrateStore workflow end to end on the dev server, driven the way operators and Anchore drive it:
 * paused, throttled and resumed across continue-as-new, and with Anchore rewriting documents mid-run. Each run's
 * history is what test/unit/replay-histories.test.ts replays (recorded with RECORD_HISTORIES=1).
 */
import type { Activities } from '../../src/activities';
import type { ObjectStoreDriver } from '../../src/drivers/types';
import { SA } from '../../src/shared/migration';
import {
  cancelUpdate,
  cutoverUpdate,
  pauseUpdate,
  progressQuery,
  resumeUpdate,
  throttleUpdate,
} from '../../src/shared/messages';
import { waitFor } from '../helpers/processes';
import { anchoreRewrites, DOCS, downDestination, pagesStarted, SAFETY_RUN } from '../helpers/safety-world';
import { workflowWorldPerTest, type WorkflowRun } from '../helpers/workflow-world';
import { ALL_JOURNAL_ROWS } from '../helpers/journal-rows';

jest.setTimeout(180_000);

const { world, start } = workflowWorldPerTest();

test('paused, throttled and resumed across continue-as-new, every document moves once', async () => {
  const input = {
    ...SAFETY_RUN,
    taskId: 51,
    pageSize: 5,
    pagesPerRun: 3,
    throttle: { concurrency: 2, maxDocsPerSecond: 10, maxBytesPerSecond: 0 },
  };
  const run = await start(input);
  const handle = run.handle;
  await waitFor(async () => (await handle.query(progressQuery)).counters.pagesDone >= 1, 60_000, 'a page');
  expect((await handle.executeUpdate(pauseUpdate)).phase).toBe('paused');
  const throttled = await handle.executeUpdate(throttleUpdate, { args: [{ concurrency: 1 }] });
  expect(throttled.throttle.concurrency).toBe(1);
  await handle.executeUpdate(resumeUpdate);

  const result = await handle.result();
  expect(result).toMatchObject({ state: 'complete', cancelled: false });
  expect(result.counters).toMatchObject({ total: DOCS, migrated: DOCS, failed: 0 });
  expect(world().dest.objects.size).toBe(DOCS);
  expect(await world().unreadable()).toEqual([]);
  expect((await handle.query(progressQuery)).runs).toBeGreaterThan(1);
  await run.recordHistory('pause-throttle-continue-as-new');
});

test('a page round is one activity; a verify that fails once retries the round, which copies nothing twice', async () => {
  let readsRefused = 0;
  const dest: ObjectStoreDriver = {
    ...world().dest,
    // Verify reads the memory destination's copies back: the first such read finds the store unreachable.
    getMany: async (...args) => {
      if (readsRefused++ === 0) throw new Error('ECONNREFUSED: destination unreachable once (test)');
      return world().dest.getMany(...args);
    },
  };
  const input = { ...SAFETY_RUN, taskId: 58, pageSize: 10 };
  const run = await start(input, dest);

  const result = await run.handle.result();
  expect(result).toMatchObject({ state: 'complete', counters: { migrated: DOCS, failed: 0 } });
  expect(world().dest.objects.size).toBe(DOCS);
  expect(await world().unreadable()).toEqual([]);
  const events = (await run.handle.fetchHistory()).events ?? [];
  const scheduled = events.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
  expect(scheduled.filter((name) => name === 'pageRound')).toHaveLength(result.counters.pagesDone);
  expect(scheduled.filter((name) => /^(copy|verify|delete)Page$/.test(name))).toEqual([]);
  const retried = events.filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1);
  expect(retried).toHaveLength(1);
  const attempts = await world().catalog.pool.query<{ attempts: number; n: string }>(
    `SELECT attempts, count(*) AS n FROM ${ALL_JOURNAL_ROWS} j WHERE task_id = 58 GROUP BY attempts`,
  );
  expect(attempts.rows).toEqual([{ attempts: 1, n: String(DOCS) }]); // the retried round copied nothing again
});

test('documents Anchore rewrites while their page moves are copied again at their newest version', async () => {
  let rewritten: Map<string, string> | undefined;
  const dest: ObjectStoreDriver = {
    ...world().dest,
    putMany: async (...args) => {
      const r = await world().dest.putMany(...args);
      rewritten ??= await anchoreRewrites(world().catalog.pool, 3); // after the first page's copies
      return r;
    },
  };
  const input = { ...SAFETY_RUN, taskId: 52, pageSize: 10 };
  const run = await start(input, dest);

  const result = await run.handle.result();
  expect(result).toMatchObject({ state: 'complete', counters: { migrated: DOCS, failed: 0 } });
  expect(rewritten?.size).toBe(3);
  expect(await world().unreadable()).toEqual([]);
  const rows = await world().catalog.pool.query<{ archiveId: string; digest: string; content_url: string }>(
    `SELECT "archiveId", digest, content_url FROM archive_metadata WHERE "archiveId" = ANY($1)`,
    [[...(rewritten?.keys() ?? [])]],
  );
  for (const r of rows.rows) {
    expect(r.digest).toBe(rewritten?.get(r.archiveId));
    expect(r.content_url.startsWith('memory://')).toBe(true);
  }
  const copies = await world().catalog.pool.query<{ attempts: number }>(
    `SELECT attempts FROM ${ALL_JOURNAL_ROWS} j WHERE task_id = 52 AND "archiveId" = ANY($1)`,
    [[...(rewritten?.keys() ?? [])]],
  );
  expect(copies.rows.map((r) => r.attempts)).toEqual([2, 2, 2]); // copied, found stale, copied again
  await run.recordHistory('anchore-rewrites-recopy');
});

test('staged: nothing switches until the cutover, a pass copies again what Anchore rewrote, the cutover switches all', async () => {
  const input = { ...SAFETY_RUN, taskId: 58, pageSize: 10, pagesPerRun: 2, stage: { passEverySeconds: 1 } };
  const run = await start(input);
  const h = run.handle;
  const passes = async (): Promise<number> => (await h.query(progressQuery)).staging?.passes ?? 0;
  await waitFor(async () => (await passes()) >= 1, 60_000, 'the first pass');
  const atDest = async (): Promise<number> =>
    (
      await world().catalog.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM archive_metadata WHERE starts_with(content_url, 'memory://')`,
      )
    ).rows[0]?.n ?? -1;
  expect(await atDest()).toBe(0);
  expect(world().dest.objects.size).toBe(DOCS);
  const rewritten = await anchoreRewrites(world().catalog.pool, 3);
  const seen = await passes();
  await waitFor(async () => (await passes()) >= seen + 2, 60_000, 'two more passes');
  const p = await h.query(progressQuery);
  expect(p.phase).toBe('staging');
  expect(p.counters.staged).toBe(DOCS);
  expect(await atDest()).toBe(0);

  await h.executeUpdate(cutoverUpdate, { args: [{ nodelete: false, force: true }] });
  const result = await h.result();
  expect(result).toMatchObject({ state: 'complete', counters: { migrated: DOCS, failed: 0 } });
  expect(result.cutover?.bulkSwitched).toBe(DOCS);
  expect(result.cutover?.offlineWindowMs).toBeGreaterThanOrEqual(0);
  expect(await atDest()).toBe(DOCS);
  expect(await world().unreadable()).toEqual([]);
  const rows = await world().catalog.pool.query<{ archiveId: string; digest: string }>(
    `SELECT "archiveId", digest FROM archive_metadata WHERE "archiveId" = ANY($1)`,
    [[...rewritten.keys()]],
  );
  for (const r of rows.rows) expect(r.digest).toBe(rewritten.get(r.archiveId));
  expect((await h.query(progressQuery)).runs).toBeGreaterThan(1);
  await run.recordHistory('stage-rewrites-cutover');
});

/** Documents migrated so far, as the workflow reports them. */
const migrated = async (r: WorkflowRun): Promise<number> =>
  (await r.handle.query(progressQuery)).counters.migrated;

test('a rate limit banks no credit over a pause: after resume pages start at the rate, not in a burst', async () => {
  const input = {
    ...SAFETY_RUN,
    taskId: 53,
    pageSize: 1,
    throttle: { concurrency: 4, maxDocsPerSecond: 4, maxBytesPerSecond: 0 },
  };
  const run = await start(input);
  const r = run;
  await waitFor(async () => (await migrated(r)) >= 2, 60_000, 'two documents');
  await r.handle.executeUpdate(pauseUpdate);
  await new Promise((done) => setTimeout(done, 8_000)); // 32 documents' worth of credit, were it banked
  const atResume = await migrated(r);
  await r.handle.executeUpdate(resumeUpdate);
  await new Promise((done) => setTimeout(done, 2_000));
  // At 4/s two seconds start about 8 pages (plus the ones in flight at the pause); a banked burst starts 30+.
  expect((await migrated(r)) - atResume).toBeLessThanOrEqual(14);
  await r.handle.executeUpdate(throttleUpdate, { args: [{ maxDocsPerSecond: 0 }] });
  expect(await r.handle.result()).toMatchObject({ state: 'complete', counters: { migrated: DOCS } });
  await r.recordHistory('rate-limit-pause-resume');
});

test('once finishing has begun, pause and cancel are refused with a reason, and the migration completes', async () => {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const holdFinish = (a: Activities): Activities => ({
    ...a,
    finish: async (...args) => {
      await held;
      return a.finish(...args);
    },
  });
  const run = await start({ ...SAFETY_RUN, taskId: 54, pageSize: 20 }, world().dest, holdFinish);
  const r = run;
  await waitFor(async () => (await r.handle.query(progressQuery)).phase === 'finishing', 60_000, 'finishing');
  await expect(r.handle.executeUpdate(pauseUpdate)).rejects.toMatchObject({
    cause: { message: expect.stringMatching(/finishing .*nothing left to pause/) },
  });
  await expect(r.handle.executeUpdate(cancelUpdate)).rejects.toMatchObject({
    cause: { message: expect.stringMatching(/nothing left to cancel/) },
  });
  release();
  expect(await r.handle.result()).toMatchObject({ state: 'complete', cancelled: false });
});

test('a watched migration pauses itself when Anchore services heartbeat again, says why, and resumes by command', async () => {
  const input = {
    ...SAFETY_RUN,
    taskId: 55,
    pageSize: 2,
    watchAnchore: true,
    throttle: { concurrency: 1, maxDocsPerSecond: 4, maxBytesPerSecond: 0 },
  };
  const run = await start(input);
  const r = run;
  await waitFor(async () => (await migrated(r)) >= 2, 60_000, 'a page');
  await world().catalog.pool.query(
    `INSERT INTO services (hostid, servicename, heartbeat, status, record_state_key)
     VALUES ('anchore-wf-1', 'catalog', $1, true, 'active')`,
    [Math.floor(Date.now() / 1000)],
  );
  await waitFor(async () => (await r.handle.query(progressQuery)).phase === 'paused', 30_000, 'the pause');
  const paused = await r.handle.query(progressQuery);
  expect(paused.waitingFor).toMatch(/Anchore services heartbeat again \(catalog@anchore-wf-1\).*resume 55/);
  const desc = await r.handle.describe();
  expect(desc.typedSearchAttributes.get(SA.phase)).toBe('paused');

  await world().catalog.pool.query(`DELETE FROM services WHERE hostid = 'anchore-wf-1'`);
  await r.handle.executeUpdate(throttleUpdate, { args: [{ maxDocsPerSecond: 0 }] });
  await r.handle.executeUpdate(resumeUpdate);
  expect(await r.handle.result()).toMatchObject({ state: 'complete', counters: { migrated: DOCS } });
  expect(await world().unreadable()).toEqual([]);
  await r.recordHistory('anchore-back-pauses');
});

test('a destination outage opens the circuit breaker: pages stop starting, one probe at a time, and it closes by itself', async () => {
  const outage = downDestination(world().dest);
  const input = {
    ...SAFETY_RUN,
    taskId: 56,
    pageSize: 4,
    throttle: { concurrency: 5, maxDocsPerSecond: 0, maxBytesPerSecond: 0 },
  };
  const run = await start(input, outage.driver);
  const r = run;
  const progress = () => r.handle.query(progressQuery);
  await waitFor(async () => /circuit open/.test((await progress()).waitingFor ?? ''), 120_000, 'the breaker');
  expect((await progress()).waitingFor).toMatch(
    /5 pages in a row were set aside with Error.*resumes by itself.*ECONNREFUSED/,
  );
  // Held: no page starts while it is open (its first probe is 30 s away); pages in flight when it opened may end.
  const atOpen = pagesStarted(await progress());
  await new Promise((done) => setTimeout(done, 5_000));
  expect(pagesStarted(await progress())).toBe(atOpen);
  expect(atOpen).toBeLessThan(10); // planned pages were left unstarted

  outage.restore();
  // The first probe passes, the breaker closes and the held pages go.
  await waitFor(async () => (await progress()).counters.pagesDone >= 1, 90_000, 'a page after the probe');
  expect((await progress()).waitingFor ?? '').not.toMatch(/circuit open/);
  await r.handle.executeUpdate(cancelUpdate);
  expect(await r.handle.result()).toMatchObject({ cancelled: true });
  expect(await world().unreadable()).toEqual([]);
  await r.recordHistory('circuit-breaker-opens-and-closes');
});
