/**
 * What the scheduler knows must survive continue-as-new (issue 20, deliver 8): a rate limit's debt and an open
 * circuit breaker are carried into the next run, so a new run neither starts with a burst nor forgets that the
 * destination is down. The real workflow on the dev server, several runs per migration.
 */
import type { Progress } from '../../src/shared/migration';
import { cancelUpdate, progressQuery } from '../../src/shared/messages';
import { waitFor } from '../helpers/processes';
import { DOCS, downDestination, pagesStarted, SAFETY_RUN } from '../helpers/safety-world';
import { workflowWorldPerTest } from '../helpers/workflow-world';

jest.setTimeout(180_000);

const { world, start } = workflowWorldPerTest();

test("a rate limit's debt is carried into the next run: every run's first page waits off the page before it", async () => {
  // One page per run, 10 documents a page at 2 documents/s: each page leaves 5 s of debt for the next run.
  const input = {
    ...SAFETY_RUN,
    taskId: 61,
    pageSize: 10,
    pagesPerRun: 1,
    throttle: { concurrency: 1, maxDocsPerSecond: 2, maxBytesPerSecond: 0 },
  };
  const begun = Date.now();
  const run = await start(input);
  const result = await run.handle.result();
  const seconds = (Date.now() - begun) / 1000;
  expect(result).toMatchObject({ state: 'complete', counters: { migrated: DOCS } });
  expect((await run.handle.query(progressQuery)).runs).toBeGreaterThanOrEqual(DOCS / 10);
  // Four pages start at 0, 5, 10 and 15 s; a run that forgot the debt would start its page at once.
  expect(seconds).toBeGreaterThanOrEqual(((DOCS / 10 - 1) * 10) / 2 - 1);
  await run.recordHistory('rate-debt-continue-as-new');
});

test('an open circuit breaker stays open in the next run: no page starts there until its probe', async () => {
  const outage = downDestination(world().dest);
  // Five pages start, are set aside and open the breaker; having started five, the run continues as new.
  const input = {
    ...SAFETY_RUN,
    taskId: 62,
    pageSize: 4,
    pagesPerRun: 5,
    throttle: { concurrency: 5, maxDocsPerSecond: 0, maxBytesPerSecond: 0 },
  };
  const run = await start(input, outage.driver);
  const progress = (): Promise<Progress> => run.handle.query(progressQuery);
  await waitFor(
    async () => {
      const p = await progress();
      return p.runs >= 2 && /circuit open/.test(p.waitingFor ?? '');
    },
    120_000,
    'the next run with the breaker open',
  );
  const atNewRun = pagesStarted(await progress());
  await new Promise((done) => setTimeout(done, 5_000));
  expect(pagesStarted(await progress())).toBe(atNewRun);
  expect((await progress()).waitingFor).toMatch(/circuit open/);

  outage.restore();
  await waitFor(async () => (await progress()).counters.pagesDone >= 1, 90_000, 'a page after the probe');
  await run.handle.executeUpdate(cancelUpdate);
  expect(await run.handle.result()).toMatchObject({ cancelled: true });
  expect(await world().unreadable()).toEqual([]);
});
