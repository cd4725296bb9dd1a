/**
 * What an operator does outside our own commands: Ctrl-C on `migrate` detaches (the migration goes on in the
 * workers), and a cancel requested from the Temporal UI or `temporal workflow cancel` ends the migration as
 * gracefully as our `cancel` update. The history is read with `temporal workflow show`, as an operator would,
 * and holds no secret.
 */
import { execFileSync } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import { SA } from '../../src/shared/migration';
import { taggedFixture } from '../helpers/fixture';
import { startCli, waitFor, type RunningProcess } from '../helpers/processes';
import { startCutProxy } from '../helpers/tcp-cut-proxy';
import { stackEnv, temporalBin } from '../helpers/stack-env';
import {
  configFile,
  createWorld,
  expectAllAt,
  expectVerifiedBeforeDeleted,
  stores,
  type World,
} from '../helpers/world';

jest.setTimeout(300_000);

let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterAll(async () => {
  await world?.close();
});

/** Runs the Temporal CLI against the test stack's server. */
function temporal(...args: string[]): string {
  return execFileSync(temporalBin(), [...args, '--address', stackEnv.temporalAddress], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** migrate said it detached, the migration still runs, and (throttle lifted) ends in the workers. */
async function expectDetachedThenDone(migrate: RunningProcess, taskId: number): Promise<void> {
  expect(migrate.output()).toContain(
    `Detached. The migration goes on; follow it with: objectstorage status ${taskId}`,
  );
  expect((await world.task(taskId)).state).toBe('running');
  // The whole result, so a failure shows the CLI's stderr.
  expect(await world.cli(['throttle', String(taskId), '--max-docs-per-second', '0'])).toMatchObject({
    code: 0,
  });
  await waitFor(async () => (await world.task(taskId)).state !== 'running', 120_000, 'the migration to end');
}

async function workflowIdOf(taskId: number): Promise<string> {
  const r = await world.pool.query('SELECT workflow_id FROM objectstorage_migrations WHERE task_id = $1', [
    taskId,
  ]);
  return r.rows[0].workflow_id;
}

test('Ctrl-C detaches migrate with exit 0; the migration completes in the workers; `temporal workflow show` holds no secret', async () => {
  const from = stores.db();
  const to = stores.s3();
  const docs = taggedFixture('detach', 200);
  await world.load(from, docs);
  const args = ['migrate', configFile(from), configFile(to), '--dontask', '--page-size', '10'];
  const migrate = startCli([...args, '--max-docs-per-second', '10'], world.env);
  await waitFor(() => /Migration Task Id: (\d+)/.test(migrate.output()), 60_000, 'the migration to start');
  const taskId = Number(/Migration Task Id: (\d+)/.exec(migrate.output())?.[1]);
  await waitFor(async () => (await world.task(taskId)).done >= 10, 60_000, 'first pages');

  // Ctrl-C ends the command at once: no request of its own (the result's long poll, a progress query) keeps it
  // alive until the migration ends (it took 14-19 s here before).
  const interrupted = Date.now();
  expect(await migrate.stop('SIGINT')).toBe(0);
  expect(Date.now() - interrupted).toBeLessThan(3_000);
  await expectDetachedThenDone(migrate, taskId);
  expect((await world.task(taskId)).state).toBe('complete');
  await expectAllAt(world, to, docs);
  await expectVerifiedBeforeDeleted(world.pool, taskId);

  // The UI's search attributes carry the final counts, bytes included.
  const client = new Client({ connection: await Connection.connect({ address: stackEnv.temporalAddress }) });
  const described = await client.workflow.getHandle(await workflowIdOf(taskId)).describe();
  await client.connection.close();
  expect(described.typedSearchAttributes.get(SA.migrated)).toBe(docs.length);
  expect(described.typedSearchAttributes.get(SA.phase)).toBe('done');
  expect(described.typedSearchAttributes.get(SA.bytesMigrated)).toBeGreaterThan(0);
  expect(described.typedSearchAttributes.get(SA.bytesTotal)).toBeGreaterThan(0);

  const shown = temporal('workflow', 'show', '--workflow-id', await workflowIdOf(taskId), '--output', 'json');
  expect(JSON.parse(shown).events.length).toBeGreaterThan(10);
  // Payloads appear as JSON (the CLI's shorthand) or base64; search both forms.
  const decoded = shown.replace(/"data":\s*"([A-Za-z0-9+/=]+)"/g, (_m, b64: string) =>
    Buffer.from(b64, 'base64').toString('utf8'),
  );
  expect(decoded).toContain('${ANCHORE_S3_SECRET}');
  expect(decoded).not.toContain(stackEnv.s3SecretKey);
  expect(decoded).not.toContain(stackEnv.s3AccessKey);
  expect(migrate.output() + world.worker.output()).not.toContain(stackEnv.s3SecretKey);
});

test('a Temporal cancel (UI button, `temporal workflow cancel`) finishes in-flight pages and records the cancellation', async () => {
  const from = stores.db();
  await world.load(from, taggedFixture('tcancel', 200));
  const started = await world.cli([
    'migrate',
    configFile(from),
    configFile(stores.db2()),
    '--dontask',
    '--detach',
    '--page-size',
    '10',
    '--concurrency',
    '2',
    '--max-docs-per-second',
    '10',
  ]);
  expect(started.code).toBe(0);
  const taskId = Number(/Migration Task Id: (\d+)/.exec(started.stdout)?.[1]);
  await waitFor(async () => (await world.task(taskId)).done >= 10, 60_000, 'first pages');
  const workflowId = await workflowIdOf(taskId);

  temporal('workflow', 'cancel', '--workflow-id', workflowId);
  await waitFor(async () => (await world.task(taskId)).state !== 'running', 120_000, 'the migration to end');

  const t = await world.task(taskId);
  expect(t.state).toBe('failed');
  expect(t.done).toBeLessThan(200);
  // Nothing half-moved: every journaled document went all the way (in-flight pages were finished).
  const half = await world.pool.query(
    `SELECT count(*)::int AS n FROM objectstorage_journal WHERE task_id = $1 AND phase <> 'deleted'`,
    [taskId],
  );
  expect(half.rows[0].n).toBe(0);
  const rec = await world.pool.query('SELECT state FROM objectstorage_migrations WHERE task_id = $1', [
    taskId,
  ]);
  expect(rec.rows[0].state).toBe('cancelled');
  const described = JSON.parse(
    temporal('workflow', 'describe', '--workflow-id', workflowId, '--output', 'json'),
  );
  expect(JSON.stringify(described)).toMatch(/WORKFLOW_EXECUTION_STATUS_COMPLETED|"status":\s*"?Completed/i);
  const status = await world.cli(['status', String(taskId), '--json']);
  expect(JSON.parse(status.stdout)).toMatchObject({ state: 'failed' });
});

test('SIGTERM stops a worker gracefully: it drains and exits 0', async () => {
  const extra = world.startWorker();
  await waitFor(() => extra.output().includes('worker ready'), 60_000, 'the worker to be ready');
  expect(await extra.stop('SIGTERM')).toBe(0);
  expect(extra.output()).toContain('stopping: no new work is taken');
});

test('a worker started while Temporal is unreachable waits and retries instead of exiting; SIGTERM still stops it', async () => {
  // A closed loopback port: nothing listens there.
  const waiting = world.startWorker({ TEMPORAL_ADDRESS: '127.0.0.1:9' });
  await waitFor(() => waiting.output().includes('is not reachable; retrying'), 60_000, 'a retry message');
  expect(waiting.child.exitCode).toBeNull();
  expect(await waiting.stop('SIGTERM')).toBe(0);
});

test('a worker started while its catalog is unreachable (a failover) waits and retries, saying so; SIGTERM stops it (issue 20, scenario 5)', async () => {
  const url = new URL(world.env.ANCHORE_DB_CONNECT as string);
  url.host = '127.0.0.1:9'; // a closed loopback port, as during a PostgreSQL failover
  const waiting = world.startWorker({ ANCHORE_DB_CONNECT: url.toString() });
  await waitFor(
    () => /cannot reach the catalog database at 127\.0\.0\.1:9.*retrying in/.test(waiting.output()),
    30_000,
    'a retry message',
  );
  expect(waiting.child.exitCode).toBeNull();
  expect(await waiting.stop('SIGTERM')).toBe(0);
});

test('a worker whose catalog connection is cut while it starts retries the start-up instead of exiting (chaos: pg_terminate at start)', async () => {
  const target = new URL(world.env.ANCHORE_DB_CONNECT as string);
  const proxy = await startCutProxy(target.hostname, Number(target.port || 5432));
  try {
    // Past the start-up messages of a session (a few hundred bytes): the cut falls in the worker's first queries.
    proxy.cutAfter(600);
    const url = new URL(target.toString());
    url.host = `127.0.0.1:${proxy.port}`;
    const starting = world.startWorker({ ANCHORE_DB_CONNECT: url.toString() });
    await waitFor(() => proxy.cuts() > 0 || starting.child.exitCode !== null, 30_000, 'a cut');
    proxy.cutAfter(undefined);
    await waitFor(
      () => starting.output().includes('worker ready') || starting.child.exitCode !== null,
      60_000,
      'the worker to be ready or to exit',
    );
    expect(starting.output()).toMatch(/retrying in/);
    expect(starting.child.exitCode).toBeNull();
    expect(await starting.stop('SIGTERM')).toBe(0);
  } finally {
    await proxy.close();
  }
});

test('two Ctrl-C detach like one: exit 0, the migration goes on', async () => {
  const from = stores.db();
  await world.load(from, taggedFixture('twice', 40));
  const args = [
    'migrate',
    configFile(from),
    configFile(stores.s3()),
    '--dontask',
    '--page-size',
    '5',
    '--max-docs-per-second',
    '5',
  ];
  const migrate = startCli(args, world.env);
  await waitFor(() => /Migration Task Id: (\d+)/.test(migrate.output()), 60_000, 'the migration to start');
  const taskId = Number(/Migration Task Id: (\d+)/.exec(migrate.output())?.[1]);
  await waitFor(async () => (await world.task(taskId)).done >= 5, 60_000, 'first pages');
  migrate.child.kill('SIGINT');
  await new Promise((r) => setTimeout(r, 30));
  expect(await migrate.stop('SIGINT')).toBe(0);
  await expectDetachedThenDone(migrate, taskId);
});
