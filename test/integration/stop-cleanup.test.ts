/**
 * Removing a migration's copies (issue 20, deliver 4): rollback, and the clean-up after a cancel or a fatal stop,
 * take each page's fence like any attempt, so they never delete a copy an attempt still alive on that page is
 * about to switch a row to; and a stopped migration leaves none of its unswitched copies behind. Real PostgreSQL;
 * shared memory destination.
 */
import { holdPageFence } from '../../src/activities/page-fence';
import { createCopyPage } from '../../src/activities/copy-page';
import { createRemoveUnswitchedCopies } from '../../src/activities/remove-unswitched';
import { createRollbackBatch } from '../../src/activities/rollback-batch';
import { journalRowsInPhases, phaseCounts } from '../../src/catalog';
import { journalAndOnePage } from '../helpers/copy-page';
import { runActivity, SAFETY_RUN, safetyWorldPerTest } from '../helpers/safety-world';

const world = safetyWorldPerTest();

const run = { ...SAFETY_RUN, taskId: 7, nodelete: true };

async function copiedPage(): Promise<string[]> {
  const page = await journalAndOnePage(world().catalog.pool, run);
  await runActivity(createCopyPage(world().depsWith()), run, page);
  const rows = await journalRowsInPhases(world().catalog.pool, 7, ['copied'], 1000);
  expect(rows.length).toBeGreaterThan(0);
  return rows.map((r) => r.dest_url as string);
}

test.each([
  ['rollbackBatch', () => runActivity(createRollbackBatch(world().depsWith()), run, 500)],
  ['removeUnswitchedCopies', () => runActivity(createRemoveUnswitchedCopies(world().depsWith()), run, 500)],
])('%s waits for a page an attempt still holds, and deletes nothing meanwhile', async (_name, act) => {
  const copies = await copiedPage();
  const live = await holdPageFence(world().depsWith(), run, 0); // an attempt of page 0 still at work
  try {
    await expect(act()).rejects.toMatchObject({ name: 'PageBusyError' });
    for (const url of copies) expect(await world().dest.exists(url)).toBe(true);
  } finally {
    await live.release();
  }
  await act();
  for (const url of copies) expect(await world().dest.exists(url)).toBe(false);
});

test('after a stop, removeUnswitchedCopies removes every unswitched copy and journals it rolled_back', async () => {
  const copies = await copiedPage();
  const remove = createRemoveUnswitchedCopies(world().depsWith());
  let removed = 0;
  for (;;) {
    const r = await runActivity(remove, run, 7);
    removed += r.removed;
    if (!r.remaining) break;
  }
  expect(removed).toBe(copies.length);
  for (const url of copies) expect(await world().dest.exists(url)).toBe(false);
  expect(await phaseCounts(world().catalog.pool, 7)).toMatchObject({ copied: 0, rolled_back: copies.length });
  expect(await world().unreadable()).toEqual([]);
});
