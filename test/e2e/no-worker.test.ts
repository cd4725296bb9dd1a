/**
 * No worker serves the catalog (issue 21, item 1): none runs, or the only one is connected to another catalog.
 * migrate, status and cancel each say so within seconds — which task queue nobody polls, what that means, the
 * worker command to run — instead of waiting in silence; cancel still ends the migration; and a workflow
 * terminated from outside (temporal workflow terminate) closes its Anchore task row the next time a command looks.
 */
import { execFileSync } from 'node:child_process';
import { taskQueueFor } from '../../src/shared/migration';
import { createTestCatalog, type TestCatalog } from '../helpers/catalog-db';
import { taggedFixture } from '../helpers/fixture';
import { startCli, waitFor } from '../helpers/processes';
import { stackEnv, temporalBin } from '../helpers/stack-env';
import { configFile, createWorld, expectAllAt, stores, type World } from '../helpers/world';

jest.setTimeout(240_000);

let world: World;
let other: TestCatalog;
const from = stores.db();
const docs = taggedFixture('noworker', 30);
beforeAll(async () => {
  world = await createWorld();
  await world.load(from, docs);
  // The only worker there is serves another catalog: it polls that catalog's task queue, not this one's.
  await world.worker.stop();
  other = await createTestCatalog();
  world.worker = startCli(['worker'], { ...world.env, ANCHORE_DB_CONNECT: other.url });
  await waitFor(() => world.worker.output().includes('worker ready'), 60_000, 'the other catalog’s worker');
});
afterAll(async () => {
  await world?.close();
  await other?.drop();
});

async function recordOf(taskId: number): Promise<{ workflow_id: string; state: string; queue: string }> {
  const r = await world.pool.query(
    'SELECT workflow_id, state, catalog_fingerprint FROM objectstorage_migrations WHERE task_id = $1',
    [taskId],
  );
  return { ...r.rows[0], queue: taskQueueFor(r.rows[0].catalog_fingerprint) };
}

/** Runs a CLI command and how long it took. */
async function timed(args: string[]): Promise<{ code: number; out: string; seconds: number }> {
  const t0 = Date.now();
  const r = await world.cli(args);
  return { code: r.code, out: r.stdout + r.stderr, seconds: (Date.now() - t0) / 1000 };
}

const NO_WORKER = /no worker polls task queue (\S+)/;

test('migrate, status and cancel say within seconds that no worker serves this catalog; cancel still ends it', async () => {
  const to = stores.s3();
  const migrate = startCli(['migrate', configFile(from), configFile(to), '--dontask'], world.env);
  await waitFor(() => /Migration Task Id: (\d+)/.test(migrate.output()), 60_000, 'the migration to start');
  const startedAt = Date.now();
  const taskId = Number(/Migration Task Id: (\d+)/.exec(migrate.output())?.[1]);
  const record = await recordOf(taskId);
  await waitFor(() => NO_WORKER.test(migrate.output()), 20_000, 'migrate to say no worker serves it');
  expect((Date.now() - startedAt) / 1000).toBeLessThan(15);
  expect(NO_WORKER.exec(migrate.output())?.[1]).toContain(record.queue);
  expect(migrate.output()).toMatch(/objectstorage worker/);
  await migrate.stop('SIGINT');

  const status = await timed(['status', String(taskId)]);
  expect(status.seconds).toBeLessThan(15);
  expect(status.code).toBe(0);
  expect(status.out).toMatch(NO_WORKER);
  expect(status.out).toContain(record.queue);
  expect(status.out).toMatch(/objectstorage worker/);

  const cancel = await timed(['cancel', String(taskId)]);
  expect(cancel.seconds).toBeLessThan(15);
  expect(cancel.out).toMatch(NO_WORKER);
  expect(cancel.code).toBe(0);
  expect(cancel.out).toMatch(/cancelled without a worker/);
  expect((await world.task(taskId)).state).toBe('failed');
  expect((await recordOf(taskId)).state).toBe('cancelled');
  // Nothing moved, and nothing holds the catalog: the next migration is not refused.
  await expectAllAt(world, from, docs);
  const next = await world.cli([
    'migrate',
    configFile(from),
    configFile(stores.s3()),
    '--dontask',
    '--detach',
  ]);
  expect(next.code).toBe(0);
  const nextId = Number(/Migration Task Id: (\d+)/.exec(next.stdout)?.[1]);
  expect((await timed(['cancel', String(nextId)])).code).toBe(0);
});

test('a workflow terminated from outside closes its Anchore task row the next time a command looks', async () => {
  const r = await world.cli(['migrate', configFile(from), configFile(stores.s3()), '--dontask', '--detach']);
  expect(r.code).toBe(0);
  const taskId = Number(/Migration Task Id: (\d+)/.exec(r.stdout)?.[1]);
  const { workflow_id } = await recordOf(taskId);
  execFileSync(temporalBin(), [
    'workflow',
    'terminate',
    '--workflow-id',
    workflow_id,
    '--reason',
    'operator test',
    '--address',
    stackEnv.temporalAddress,
  ]);
  expect((await world.task(taskId)).state).toBe('running');

  const list = await timed(['list-migrations']);
  expect(list.code).toBe(0);
  expect(list.out).toMatch(new RegExp(`^${taskId}\\s+failed\\s.*TERMINATED`, 'm'));
  expect((await world.task(taskId)).state).toBe('failed');
  expect((await recordOf(taskId)).state).toBe('failed');
  const status = await timed(['status', String(taskId)]);
  expect(status.out).toMatch(/terminated outside objectstorage/);
});
