/**
 * One command on one host (issue 21, item 9): with no Temporal address given and none answering on the default,
 * `migrate` runs Temporal embedded (a dev server from the tool cache, its SQLite under --state-dir) with a worker in
 * its own process. Killed outright — the command and its Temporal both — and run again the same way, it resumes the
 * same migration and finishes it; nothing it started is left running. `--detach` is refused there; `status` works.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answers } from '../../src/cli/temporal';
import { runCli } from '../helpers/cli';
import { taggedFixture } from '../helpers/fixture';
import { startCli, waitFor } from '../helpers/processes';
import { configFile, createWorld, expectAllAt, stores, type World } from '../helpers/world';

jest.setTimeout(300_000);

let world: World;
let stateDir: string;
/** The world's environment without TEMPORAL_ADDRESS: what an operator on one host has. */
let env: Record<string, string>;
const from = stores.db();
const to = stores.s3();
const docs = taggedFixture('embedded', 300);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const serverRecord = (): { pid: number; ownerPid: number } =>
  JSON.parse(readFileSync(join(stateDir, 'temporal', 'server.json'), 'utf8'));

beforeAll(async () => {
  world = await createWorld();
  // Only the embedded worker may serve: the world's worker is on the stack's Temporal.
  await world.worker.stop();
  await world.load(from, docs);
  stateDir = mkdtempSync(join(tmpdir(), 'aos-state-'));
  env = Object.fromEntries(
    Object.entries({ ...world.env, OBJECTSTORAGE_STATE_DIR: stateDir }).filter(
      ([k]) => k !== 'TEMPORAL_ADDRESS',
    ),
  );
});
afterAll(async () => {
  try {
    const r = serverRecord();
    if (alive(r.pid)) process.kill(r.pid, 'SIGKILL');
  } catch {
    // no server left: as it should be
  }
  rmSync(stateDir, { recursive: true, force: true });
  await world?.close();
});

const MIGRATE = () => [
  'migrate',
  configFile(from),
  configFile(to),
  '--dontask',
  '--page-size',
  '20',
  '--max-docs-per-second',
  '40',
];

test('killed with its Temporal and run again, the same migrate command resumes the same migration', async () => {
  // Precondition of the automatic choice: nothing answers on the default address.
  expect(await answers('127.0.0.1:7233')).toBe(false);

  const first = startCli(MIGRATE(), env);
  await waitFor(
    () => /Migration Task Id: (\d+)/.test(first.output()),
    90_000,
    'the embedded migration to start',
  );
  expect(first.output()).toMatch(
    /Temporal: embedded on this host \(started; migrations kept in .*aos-state-/,
  );
  expect(first.output()).toMatch(/with a worker in this process/);
  const taskId = Number(/Migration Task Id: (\d+)/.exec(first.output())?.[1]);
  const moved = async (): Promise<number> =>
    Number(
      (
        await world.pool.query(
          `SELECT count(*) AS n FROM archive_metadata WHERE starts_with(content_url, 's3://')`,
        )
      ).rows[0].n,
    );
  await waitFor(async () => (await moved()) >= 60, 60_000, 'some documents to move');
  expect(first.output()).not.toMatch(/no worker polls/);

  // Killed outright, and its Temporal too: the migration's history is in the SQLite file.
  const server = serverRecord();
  expect(server.ownerPid).toBe(first.child.pid);
  first.child.kill('SIGKILL');
  await first.stop();
  process.kill(server.pid, 'SIGKILL');
  await waitFor(() => !alive(server.pid), 10_000, 'the dev server to die');
  const movedBefore = await moved();
  expect(movedBefore).toBeLessThan(docs.length);

  const again = await runCli(MIGRATE(), env, 240_000);
  const out = again.stdout + again.stderr;
  expect(again.code).toBe(0);
  expect(out).toMatch(new RegExp(`Migration ${taskId} moves the same documents the same way and is running`));
  expect(out).toMatch(/Temporal: embedded on this host \(started;/);
  expect(out).toMatch(/MUST have the following configuration/);
  await expectAllAt(world, to, docs);
  // One migration did it all.
  const tasks = await world.pool.query('SELECT count(*) AS n FROM archive_migration_tasks');
  expect(Number(tasks.rows[0].n)).toBe(1);
  expect((await world.task(taskId)).state).toBe('complete');
  // Nothing it started is left running.
  expect(() => serverRecord()).toThrow();
  expect(alive(server.pid)).toBe(false);

  // status starts the embedded Temporal for itself, shows the ended migration, and stops it again.
  const status = await runCli(['status', String(taskId)], env);
  expect(status.stdout + status.stderr).toMatch(/task state complete/);
  expect(() => serverRecord()).toThrow();
});

test('killed alone, its Temporal left running: the same command run again adopts that server and stops it at the end', async () => {
  const more = taggedFixture('adopted', 200);
  await world.load(from, more);
  const first = startCli(MIGRATE(), env);
  await waitFor(() => /Migration Task Id: (\d+)/.test(first.output()), 90_000, 'the migration to start');
  const taskId = Number(/Migration Task Id: (\d+)/.exec(first.output())?.[1]);
  await waitFor(async () => (await world.task(taskId)).done >= 20, 60_000, 'first pages');
  const server = serverRecord();
  first.child.kill('SIGKILL');
  await first.stop();
  expect(alive(server.pid)).toBe(true);

  const again = await runCli(MIGRATE(), env, 240_000);
  const out = again.stdout + again.stderr;
  expect(again.code).toBe(0);
  expect(out).toMatch(/Temporal: embedded on this host \(running;/);
  expect(out).toMatch(new RegExp(`Migration ${taskId} moves the same documents the same way and is running`));
  await expectAllAt(world, to, more);
  expect((await world.task(taskId)).state).toBe('complete');
  // The adopted server is stopped by the command that adopted it.
  expect(() => serverRecord()).toThrow();
  expect(alive(server.pid)).toBe(false);
});

test('--detach is refused with Temporal embedded, before anything is registered', async () => {
  const tasks = async (): Promise<number> =>
    Number((await world.pool.query('SELECT count(*) AS n FROM archive_migration_tasks')).rows[0].n);
  const before = await tasks();
  const r = await runCli([...MIGRATE(), '--detach', '--embedded'], env);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/UsageError: --detach needs workers that outlive this command/);
  expect(await tasks()).toBe(before);
});
