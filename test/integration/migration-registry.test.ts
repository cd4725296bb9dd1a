/**
 * The one-at-a-time registry across Temporal namespaces (issue 20, scenario 7): a CLI pointed at another
 * namespace cannot see the live workflow of a migration, and used to mark it `abandoned` and start a second
 * migration beside it. Real PostgreSQL.
 */
import {
  claimCatalogForRollback,
  getMigration,
  pruneJournal,
  registerMigration,
  runningMigrations,
} from '../../src/catalog';
import type { MigrationInput } from '../../src/shared/migration';
import { createTestCatalog, type TestCatalog } from '../helpers/catalog-db';
import { SAFETY_RUN } from '../helpers/safety-world';

let catalog: TestCatalog;
beforeEach(async () => {
  catalog = await createTestCatalog();
});
afterEach(async () => {
  await catalog?.drop();
});

const registration = (namespace: string) => ({
  fromDriver: 'db',
  toDriver: 's3',
  documentsToMigrate: 1,
  executorId: 'test',
  fingerprint: 'test',
  namespace,
  workflowIdFor: (taskId: number) => `wf-${taskId}`,
  inputFor: (taskId: number): MigrationInput => ({ ...SAFETY_RUN, taskId }),
});

test('a CLI in another namespace refuses to start beside a running migration and leaves it running', async () => {
  const first = await registerMigration(catalog.pool, registration('prod'), async () => true);
  const seenFromOtherNamespace = async (): Promise<boolean> => false; // its workflow is not in that namespace

  await expect(
    registerMigration(catalog.pool, registration('default'), seenFromOtherNamespace),
  ).rejects.toMatchObject({
    name: 'GuardRefusedError',
    message: expect.stringContaining(`migration ${first.taskId} runs in Temporal namespace prod`),
  });
  expect((await runningMigrations(catalog.pool)).map((r) => [r.task_id, r.state])).toEqual([
    [first.taskId, 'running'],
  ]);
});

test('in its own namespace a migration whose workflow is gone is marked abandoned, as before', async () => {
  const first = await registerMigration(catalog.pool, registration('prod'), async () => true);
  const second = await registerMigration(catalog.pool, registration('prod'), async () => false);
  expect((await runningMigrations(catalog.pool)).map((r) => r.task_id)).toEqual([second.taskId]);
  expect(second.taskId).not.toBe(first.taskId);
});

describe('a rollback holds the catalog like a migration (issue 20, deliver 4)', () => {
  test('it is refused while another migration of the catalog runs', async () => {
    const old = await registerMigration(catalog.pool, registration('prod'), async () => false);
    await catalog.pool.query(`UPDATE objectstorage_migrations SET state = 'complete' WHERE task_id = $1`, [
      old.taskId,
    ]);
    const live = await registerMigration(catalog.pool, registration('prod'), async () => true);
    await expect(
      claimCatalogForRollback(catalog.pool, old.taskId, 'prod', async () => true),
    ).rejects.toMatchObject({
      name: 'GuardRefusedError',
      message: expect.stringContaining(`migration ${live.taskId} (wf-${live.taskId}) is still running`),
    });
    expect((await getMigration(catalog.pool, old.taskId))?.state).toBe('complete');
  });

  test('no migration starts beside it; once its workflow is gone it is marked abandoned', async () => {
    const old = await registerMigration(catalog.pool, registration('prod'), async () => false);
    await catalog.pool.query(`UPDATE objectstorage_migrations SET state = 'cancelled' WHERE task_id = $1`, [
      old.taskId,
    ]);
    expect(await claimCatalogForRollback(catalog.pool, old.taskId, 'prod', async () => true)).toBe(
      'cancelled',
    );
    const asked: string[] = [];
    const rollbackRuns = async (wid: string): Promise<boolean> => (asked.push(wid), true);
    await expect(registerMigration(catalog.pool, registration('prod'), rollbackRuns)).rejects.toMatchObject({
      name: 'GuardRefusedError',
      message: expect.stringContaining(`the rollback of migration ${old.taskId} (wf-${old.taskId}-rollback)`),
    });
    expect(asked).toEqual([`wf-${old.taskId}-rollback`]);

    const next = await registerMigration(catalog.pool, registration('prod'), async () => false);
    expect((await getMigration(catalog.pool, old.taskId))?.state).toBe('abandoned');
    expect((await runningMigrations(catalog.pool)).map((r) => r.task_id)).toEqual([next.taskId]);
  });
});

test('prune keeps the rows of a migration whose reverse is running: they are what the reverse selects', async () => {
  const moved = await registerMigration(catalog.pool, registration('prod'), async () => false);
  await catalog.pool.query(
    `UPDATE objectstorage_migrations SET state = 'complete', ended_at = now() - interval '40 days'
     WHERE task_id = $1`,
    [moved.taskId],
  );
  await catalog.pool.query(
    `INSERT INTO objectstorage_journal (task_id, bucket, "archiveId", "userId", "documentName", page, phase,
       source_url) VALUES ($1, 'b', 'a', 'u', 'd', 0, 'deleted', 'db://u/b/a')`,
    [moved.taskId],
  );
  const reverse = await registerMigration(
    catalog.pool,
    {
      ...registration('prod'),
      inputFor: (taskId: number): MigrationInput => ({
        ...SAFETY_RUN,
        taskId,
        selection: { ...SAFETY_RUN.selection, movedBy: moved.taskId },
      }),
    },
    async () => false,
  );
  const during = await pruneJournal(catalog.pool, { olderThanMs: 0, taskIds: [moved.taskId], dryRun: false });
  expect(during).toEqual([
    { taskId: moved.taskId, removed: 0, kept: 1, why: 'a running reverse of it reads them' },
  ]);
  await catalog.pool.query(`UPDATE objectstorage_migrations SET state = 'complete' WHERE task_id = $1`, [
    reverse.taskId,
  ]);
  const after = await pruneJournal(catalog.pool, { olderThanMs: 0, taskIds: [moved.taskId], dryRun: false });
  expect(after).toEqual([{ taskId: moved.taskId, removed: 1, kept: 0 }]);
  expect((await getMigration(catalog.pool, moved.taskId))?.pruned_at).toBeInstanceOf(Date);
});
