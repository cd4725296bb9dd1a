/**
 * Durability and control: a worker SIGKILLed mid-migration, continue-as-new with bounded history per run,
 * pause/resume/throttle/cancel through workflow updates (validators reject bad values), and sealed secrets.
 */
import { Client, Connection, WorkflowUpdateFailedError } from '@temporalio/client';
import { taggedFixture } from '../helpers/fixture';
import { waitFor } from '../helpers/processes';
import { stackEnv } from '../helpers/stack-env';
import {
  configFile,
  createWorld,
  expectAllAt,
  expectVerifiedBeforeDeleted,
  stores,
  type StoreSpec,
  type World,
} from '../helpers/world';

jest.setTimeout(300_000);

let world: World;
let client: Client;
beforeAll(async () => {
  world = await createWorld();
  client = new Client({ connection: await Connection.connect({ address: stackEnv.temporalAddress }) });
});
afterAll(async () => {
  await client?.connection.close();
  await world?.close();
});

async function workflowIdOf(taskId: number): Promise<string> {
  const r = await world.pool.query('SELECT workflow_id FROM objectstorage_migrations WHERE task_id = $1', [
    taskId,
  ]);
  return r.rows[0].workflow_id;
}

async function waitDone(taskId: number, timeoutMs = 200_000): Promise<void> {
  await waitFor(
    async () => ['complete', 'failed'].includes((await world.task(taskId)).state),
    timeoutMs,
    `migration ${taskId} to end`,
  );
}

test('a worker SIGKILLed mid-migration: another finishes it, nothing lost, no source deleted before verify+switch', async () => {
  const from = stores.db();
  const to = stores.s3();
  const docs = taggedFixture('kill', 300);
  await world.load(from, docs);
  const taskId = await world.migrateDetached(
    from,
    to,
    '--page-size',
    '10',
    '--concurrency',
    '2',
    '--max-docs-per-second',
    '60',
  );
  await waitFor(async () => (await world.task(taskId)).done >= 40, 60_000, 'some documents migrated');
  await world.worker.stop('SIGKILL');
  expect((await world.task(taskId)).done).toBeLessThan(300);
  world.worker = world.startWorker();
  await waitDone(taskId);
  expect(await world.task(taskId)).toEqual({ state: 'complete', total: 300, done: 300 });
  await expectAllAt(world, to, docs);
  await expectVerifiedBeforeDeleted(world.pool, taskId);
});

test('continue-as-new happens (server suggestion and --pages-per-run), every run far below the history limits', async () => {
  const from = stores.db2(false);
  const to = stores.localfs();
  // 120 pages of two documents (fewer than --pages-per-run's default 200): a history long enough for the test
  // stack's continue-as-new suggestion (400 events) with one activity per page round.
  const docs = taggedFixture('can', 240);
  await world.load(from, docs);
  const r = await world.migrate(configFile(from), configFile(to), '--page-size', '2', '--concurrency', '4');
  expect(r.code).toBe(0);
  await expectAllAt(world, to, docs);
  const id = await workflowIdOf(r.taskId);
  const runs: number[] = [];
  for await (const wf of client.workflow.list({ query: `WorkflowId = '${id}'` })) runs.push(wf.historyLength);
  expect(runs.length).toBeGreaterThan(1);
  for (const length of runs) expect(length).toBeLessThan(800);

  const docs2 = taggedFixture('canpages', 60);
  await world.load(stores.db(), docs2);
  const r2 = await world.migrate(
    configFile(stores.db()),
    configFile(stores.db2()),
    '--page-size',
    '5',
    '--pages-per-run',
    '3',
  );
  expect(r2.code).toBe(0);
  const runs2: number[] = [];
  for await (const wf of client.workflow.list({ query: `WorkflowId = '${await workflowIdOf(r2.taskId)}'` }))
    runs2.push(wf.historyLength);
  expect(runs2.length).toBeGreaterThanOrEqual(4);
});

test('pause, resume, throttle and cancel; invalid throttle values are rejected before history', async () => {
  const from = stores.db();
  const to = stores.db2();
  await world.load(from, taggedFixture('ctl', 200));
  const taskId = await world.migrateDetached(
    from,
    to,
    '--page-size',
    '10',
    '--concurrency',
    '1',
    '--max-docs-per-second',
    '20',
  );
  const id = String(taskId);
  await waitFor(async () => (await world.task(taskId)).done >= 10, 60_000, 'first pages');

  const paused = await world.cli(['--json', 'pause', id]);
  expect(paused.code).toBe(0);
  expect(JSON.parse(paused.stdout).phase).toBe('paused');
  await new Promise((r) => setTimeout(r, 2000)); // the in-flight page finishes
  const frozen = (await world.task(taskId)).done;
  await new Promise((r) => setTimeout(r, 2000));
  expect((await world.task(taskId)).done).toBe(frozen);

  const bad = await world.cli(['throttle', id, '--concurrency', '0']);
  expect(bad.code).toBe(1);
  const handle = client.workflow.getHandle(await workflowIdOf(taskId));
  await expect(handle.executeUpdate('throttle', { args: [{ concurrency: 0 }] })).rejects.toBeInstanceOf(
    WorkflowUpdateFailedError,
  );
  await expect(handle.executeUpdate('throttle', { args: [{ maxDocsPerSecond: -1 }] })).rejects.toBeInstanceOf(
    WorkflowUpdateFailedError,
  );
  const history = JSON.stringify(await handle.fetchHistory());
  expect(history).not.toContain('WORKFLOW_EXECUTION_UPDATE_REJECTED'); // validators reject without an event

  const resumed = await world.cli(['resume', id]);
  expect(resumed.code).toBe(0);
  const throttled = await world.cli([
    '--json',
    'throttle',
    id,
    '--concurrency',
    '3',
    '--max-docs-per-second',
    '0',
  ]);
  expect(throttled.code).toBe(0);
  expect(JSON.parse(throttled.stdout).throttle).toEqual({
    concurrency: 3,
    maxDocsPerSecond: 0,
    maxBytesPerSecond: 0,
  });
  await waitDone(taskId);
  expect((await world.task(taskId)).state).toBe('complete');

  await world.load(stores.db(), taggedFixture('cancel', 200));
  const cancelId = await world.migrateDetached(
    stores.db(),
    stores.db2(),
    '--page-size',
    '10',
    '--concurrency',
    '1',
    '--max-docs-per-second',
    '10',
  );
  await waitFor(async () => (await world.task(cancelId)).done >= 10, 60_000, 'first pages');
  expect((await world.cli(['cancel', String(cancelId)])).code).toBe(0);
  await waitDone(cancelId);
  const t = await world.task(cancelId);
  expect(t.state).toBe('failed');
  expect(t.done).toBeLessThan(200);
  // Nothing half-moved: every journaled document is either fully deleted at the source or untouched.
  const half = await world.pool.query(
    `SELECT count(*)::int AS n FROM objectstorage_journal WHERE task_id = $1 AND phase NOT IN ('deleted')`,
    [cancelId],
  );
  expect(half.rows[0].n).toBe(0);
  const rec = await world.pool.query('SELECT state FROM objectstorage_migrations WHERE task_id = $1', [
    cancelId,
  ]);
  expect(rec.rows[0].state).toBe('cancelled');
});

test('sealed secrets: literal S3 keys travel sealed; CLI and worker share OBJECTSTORAGE_SECRET_KEY', async () => {
  const key = Buffer.alloc(32, 7).toString('base64');
  const sealedWorld = await createWorld({ OBJECTSTORAGE_SECRET_KEY: key });
  try {
    const from = stores.db();
    const docs = taggedFixture('sealed', 30);
    await sealedWorld.load(from, docs);
    const literal = stores.s3();
    const literalYaml = literal.yaml
      .replace('${ANCHORE_S3_ACCESS}', stackEnv.s3AccessKey)
      .replace('${ANCHORE_S3_SECRET}', stackEnv.s3SecretKey);
    const to: StoreSpec = { ...literal, yaml: literalYaml };
    const noKey = await sealedWorld.cli(['migrate', configFile(from), configFile(to), '--dontask'], {
      OBJECTSTORAGE_SECRET_KEY: '',
    });
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toContain('SecretNotSealableError');
    const r = await sealedWorld.migrate(configFile(from), configFile(to));
    if (r.code !== 0) throw new Error(`${r.stdout}\n${r.stderr}\n${sealedWorld.worker.output()}`);
    await expectAllAt(sealedWorld, to, docs);
    const wf = await sealedWorld.pool.query(
      'SELECT workflow_id, input::text AS input FROM objectstorage_migrations',
    );
    expect(wf.rows[0].input).toContain('sealed:v1:');
    expect(wf.rows[0].input).not.toContain(stackEnv.s3SecretKey);
    const history = await client.workflow.getHandle(wf.rows[0].workflow_id).fetchHistory();
    const decoded = JSON.stringify(history).replace(/"data":"([A-Za-z0-9+/=]+)"/g, (_m, b64: string) =>
      Buffer.from(b64, 'base64').toString('utf8'),
    );
    expect(decoded).toContain('sealed:v1:');
    expect(decoded).not.toContain(stackEnv.s3SecretKey);
    expect(sealedWorld.worker.output() + r.stdout + r.stderr).not.toContain(stackEnv.s3SecretKey);
  } finally {
    await sealedWorld.close();
  }
});
