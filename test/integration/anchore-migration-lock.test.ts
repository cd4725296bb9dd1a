/**
 * anchore-manager objectstorage migrate cannot run beside ours (issue 20, scenario 7). It holds the session
 * advisory lock (2, 1) for its whole run (anchore-storage.md §8); a migration of ours refuses to start while it
 * is held, a page commit that finds it held writes nothing, and while a page of ours commits anchore-manager
 * cannot take it. Real PostgreSQL; the lock is taken exactly as anchore-manager takes it.
 */
import { Client } from 'pg';
import { checkNoAnchoreMigration } from '../../src/catalog/guards';
import { createCopyPage } from '../../src/activities/copy-page';
import { createVerifyPage } from '../../src/activities/verify-page';
import { inTransaction, phaseCounts, shareAnchoreMigrationLock } from '../../src/catalog';
import { journalAndOnePage } from '../helpers/copy-page';
import { createSafetyWorld, runActivity, SAFETY_RUN, type SafetyWorld } from '../helpers/safety-world';

let world: SafetyWorld;
let anchoreManager: Client;
beforeEach(async () => {
  world = await createSafetyWorld();
  anchoreManager = new Client({ connectionString: world.catalog.url, application_name: 'anchore-manager' });
  await anchoreManager.connect();
});
afterEach(async () => {
  await anchoreManager?.end();
  await world?.catalog.drop();
});

test('while anchore-manager migrates, ours refuses to start and a page commit writes nothing', async () => {
  const input = { ...SAFETY_RUN, taskId: 20 };
  const page = await journalAndOnePage(world.catalog.pool, input);
  const deps = world.depsWith();
  await runActivity(createCopyPage(deps), input, page);
  await anchoreManager.query('SELECT pg_advisory_lock(2, 1)');

  await expect(checkNoAnchoreMigration(world.catalog.pool)).rejects.toMatchObject({
    name: 'GuardRefusedError',
    message: expect.stringMatching(/pid \d+ \(anchore-manager\).* holds its migration lock/),
  });
  await expect(runActivity(createVerifyPage(deps), input, page)).rejects.toMatchObject({
    name: 'AnchoreMigrationRunningError',
  });
  expect(await phaseCounts(world.catalog.pool, 20)).toMatchObject({ copied: page.documents, switched: 0 });

  await anchoreManager.query('SELECT pg_advisory_unlock(2, 1)');
  await checkNoAnchoreMigration(world.catalog.pool);
  await runActivity(createVerifyPage(deps), input, page);
  expect(await phaseCounts(world.catalog.pool, 20)).toMatchObject({ switched: page.documents });
});

test('while a page of ours commits, anchore-manager cannot take its lock', async () => {
  await inTransaction(world.catalog.pool, async (client) => {
    await shareAnchoreMigrationLock(client);
    const res = await anchoreManager.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(2, 1) AS ok');
    expect(res.rows[0]?.ok).toBe(false);
  });
  const after = await anchoreManager.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(2, 1) AS ok');
  expect(after.rows[0]?.ok).toBe(true);
});
