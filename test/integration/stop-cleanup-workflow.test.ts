/**
 * A cancel while pages are set aside (issue 20, deliver 4): the copies of those pages, which no row was switched
 * to, are removed before the migration finishes instead of being left as orphans. The real workflow on the test
 * stack's Temporal server; real PostgreSQL; a memory destination whose reads fail (so verify cannot pass).
 */
import { phaseCounts } from '../../src/catalog';
import type { ObjectStoreDriver } from '../../src/drivers/types';
import { cancelUpdate, progressQuery } from '../../src/shared/messages';
import { waitFor } from '../helpers/processes';
import { SAFETY_RUN } from '../helpers/safety-world';
import { workflowWorldPerTest } from '../helpers/workflow-world';

jest.setTimeout(180_000);

const { world, start } = workflowWorldPerTest();

test('cancel with a page set aside: its copies are removed, the journal says so, nothing is unreadable', async () => {
  const unreadable = (): never => {
    throw new Error('ECONNRESET: destination reads cut (test)');
  };
  const dest: ObjectStoreDriver = {
    ...world().dest,
    statMany: undefined,
    getMany: async () => unreadable(),
    exists: async () => unreadable(),
  };
  const input = { ...SAFETY_RUN, taskId: 41, nodelete: false, pageSize: 10 };
  const run = await start(input, dest);
  const handle = run.handle;
  await waitFor(
    async () => (await handle.query(progressQuery)).setAsidePages >= 1,
    120_000,
    'a page set aside',
  );
  expect(world().dest.objects.size).toBeGreaterThan(0);

  await handle.executeUpdate(cancelUpdate);
  const result = await handle.result();

  expect(result).toMatchObject({ cancelled: true, state: 'failed' });
  expect(result.unswitchedCopies).toBeUndefined();
  expect([...world().dest.objects.keys()]).toEqual([]);
  const phases = await phaseCounts(world().catalog.pool, 41);
  expect(phases).toMatchObject({ copied: 0, stale: 0, verified: 0, switched: 0, deleted: 0 });
  expect(phases.rolled_back).toBeGreaterThan(0);
  expect(await world().unreadable()).toEqual([]);
  await run.recordHistory('cancel-with-page-set-aside');
});
