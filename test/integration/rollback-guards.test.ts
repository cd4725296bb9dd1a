/**
 * Rollback is refused once a later migration switched documents this one journaled (issue 20, deliver 4;
 * scenario 1's re-run); the one-at-a-time part is in migration-registry.test.ts. Real PostgreSQL.
 */
import { checkRollbackAllowed } from '../../src/catalog/guards';
import { createCopyPage } from '../../src/activities/copy-page';
import { journalAndOnePage } from '../helpers/copy-page';
import { migratePage, runActivity, SAFETY_RUN, safetyWorldPerTest } from '../helpers/safety-world';

const world = safetyWorldPerTest();

test('rollback of a migration whose documents a later one migrated again is refused, naming it', async () => {
  const first = { ...SAFETY_RUN, taskId: 7, nodelete: true };
  const page = await journalAndOnePage(world().catalog.pool, first);
  const deps = world().depsWith();
  await runActivity(createCopyPage(deps), first, page);
  await checkRollbackAllowed(world().catalog.pool, 7);
  await migratePage(deps, { ...SAFETY_RUN, taskId: 8 }, page);

  await expect(checkRollbackAllowed(world().catalog.pool, 7)).rejects.toMatchObject({
    name: 'GuardRefusedError',
    message: expect.stringContaining('migrated again since by migration(s) 8'),
  });
  await checkRollbackAllowed(world().catalog.pool, 8);
});
