/**
 * Two attempts of one page at once (issue 20, scenario 3): an attempt frozen past its lease — a stopped worker,
 * cut off from Temporal, whose activity Temporal already retried elsewhere — wakes and must write nothing, while
 * the attempt that took the page over finishes it. The freeze is placed at the exact point that did damage: just
 * before the copy's journal write, and just before the verify's switch. Real PostgreSQL; shared memory
 * destination.
 */
import { createCopyPage } from '../../src/activities/copy-page';
import type { ActivityDeps } from '../../src/activities/deps';
import { createVerifyPage } from '../../src/activities/verify-page';
import { phaseCounts } from '../../src/catalog';
import type { ObjectStoreDriver } from '../../src/drivers/types';
import type { MigrationInput, PageBounds } from '../../src/shared/migration';
import { journalAndOnePage } from '../helpers/copy-page';
import { migratePage, runActivity, SAFETY_RUN, safetyWorldPerTest } from '../helpers/safety-world';

const world = safetyWorldPerTest();

/** A lease that runs out quickly and is never renewed: the holder behaves as a frozen process. */
const FROZEN = { ttlMs: 300, renewMs: 3_600_000 };

/** A destination whose `method` stops at its first call until `open()`: the frozen attempt's next step. */
function frozenAt(dest: ObjectStoreDriver, method: 'putMany' | 'getMany') {
  let reached!: () => void;
  let open!: () => void;
  const atFreeze = new Promise<void>((r) => (reached = r));
  const thawed = new Promise<void>((r) => (open = r));
  let first = true;
  const driver: ObjectStoreDriver = {
    ...dest,
    statMany: undefined,
    [method]: async (...args: unknown[]) => {
      if (first) {
        first = false;
        reached();
        await thawed;
      }
      return (dest[method] as (...a: unknown[]) => Promise<unknown>)(...args);
    },
  };
  return { driver, atFreeze, open };
}

/** Runs an activity of the attempt that takes over, retrying while the frozen one still holds the page. */
async function takeOver<R>(fn: () => Promise<R>): Promise<R> {
  for (let i = 0; i < 100; i++) {
    try {
      return await fn();
    } catch (err) {
      if ((err as Error).name !== 'PageBusyError') throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error('the page never became free');
}

async function setUp(taskId: number, nodelete: boolean) {
  const input: MigrationInput = { ...SAFETY_RUN, taskId, nodelete };
  const page: PageBounds = await journalAndOnePage(world().catalog.pool, input);
  const deps = world().depsWith();
  return {
    input,
    page,
    deps,
    frozenDeps: (d: ObjectStoreDriver): ActivityDeps =>
      ({ ...world().depsWith(d), pageLease: FROZEN }) as ActivityDeps,
  };
}

test('a copy frozen before its journal write writes nothing when it wakes after another attempt moved the page', async () => {
  const { input, page, deps, frozenDeps } = await setUp(12, false);
  const freeze = frozenAt(world().dest, 'putMany');
  const late = runActivity(createCopyPage(frozenDeps(freeze.driver)), input, page);
  await freeze.atFreeze;

  await takeOver(() => migratePage(deps, input, page));
  expect(await phaseCounts(world().catalog.pool, 12)).toMatchObject({ deleted: page.documents });
  freeze.open();

  await expect(late).rejects.toMatchObject({ name: 'FenceLostError' });
  expect(await phaseCounts(world().catalog.pool, 12)).toMatchObject({ deleted: page.documents, copied: 0 });
  expect(await world().unreadable()).toEqual([]);
});

test('a verify frozen before its switch does not fail what another attempt switched', async () => {
  const { input, page, deps, frozenDeps } = await setUp(13, true);
  await runActivity(createCopyPage(deps), input, page);
  const freeze = frozenAt(world().dest, 'getMany');
  const late = runActivity(createVerifyPage(frozenDeps(freeze.driver)), { ...input, verify: 'full' }, page);
  await freeze.atFreeze;

  await takeOver(() => runActivity(createVerifyPage(deps), input, page));
  expect(await phaseCounts(world().catalog.pool, 13)).toMatchObject({ switched: page.documents });
  freeze.open();

  await expect(late).rejects.toMatchObject({ name: 'FenceLostError' });
  expect(await phaseCounts(world().catalog.pool, 13)).toMatchObject({ switched: page.documents, failed: 0 });
  expect(await world().unreadable()).toEqual([]);
});
