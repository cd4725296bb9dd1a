/**
 * The one-at-a-time registry across Temporal namespaces (issue 20, scenario 7): a CLI pointed at another
 * namespace cannot see the live workflow of a migration, and used to mark it `abandoned` and start a second
 * migration beside it. Real PostgreSQL.
 */
import { registerMigration, runningMigrations } from '../../src/catalog';
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
