/**
 * Near-zero downtime (issue 23): `stage` copies while an Anchore-like writer keeps rewriting, adding and deleting
 * documents through the source config; `cutover` (Anchore stopped) switches everything. After it every row points
 * at the destination, every document reads back at its latest version, no source is left, and no copy of a
 * deleted document remains. For every kind of store as source and as destination, on both S3 servers.
 */
import { STAGE_INDEX } from '../../src/catalog';
import { createDriver } from '../../src/drivers/registry';
import type { ObjectStoreDriver } from '../../src/drivers/types';
import { taggedFixture, type FixtureDoc } from '../helpers/fixture';
import { startLiveWriter } from '../helpers/live-anchore-writer';
import { configFile, createWorld, expectAllAt, stores, type StoreSpec, type World } from '../helpers/world';

jest.setTimeout(240_000);

let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterAll(() => world?.close());

interface StatusJson {
  progress?: { phase: string; staging?: { passes: number } };
}

/** Waits until the staged migration has finished `passes` delta passes, saying what it saw on timeout. */
async function waitForPasses(taskId: number, passes: number): Promise<void> {
  let last = '';
  for (const until = Date.now() + 120_000; Date.now() < until;) {
    const r = await world.cli(['--json', 'status', String(taskId)]);
    last = r.stdout;
    const s = JSON.parse(r.stdout) as StatusJson;
    if ((s.progress?.staging?.passes ?? 0) >= passes) return;
    await new Promise((res) => setTimeout(res, 500));
  }
  throw new Error(`migration ${taskId} did not finish ${passes} passes: ${last}\n${world.worker.output()}`);
}

/** Our index on archive_metadata.last_updated: there while a migration is staged, gone after. */
const stageIndexes = async (): Promise<number> =>
  (
    await world.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_indexes WHERE indexname = $1`, [
      STAGE_INDEX,
    ])
  ).rows[0]?.n ?? -1;

/** Starts `stage FROM TO` detached, a pass every second; returns its migration id. */
async function stageDetached(from: StoreSpec, to: StoreSpec, ...args: string[]): Promise<number> {
  const staged = await world.cli([
    'stage',
    configFile(from),
    configFile(to),
    '--detach',
    '--pass-every',
    '1',
    ...args,
  ]);
  if (staged.code !== 0) throw new Error(`stage exited ${staged.code}\n${staged.stdout}\n${staged.stderr}`);
  return Number(/Migration Task Id: (\d+)/.exec(staged.stdout)?.[1]);
}

const driverOf = (s: StoreSpec): ObjectStoreDriver =>
  createDriver({ name: s.name, config: s.config }, { pool: world.pool });
const refOf = (d: FixtureDoc) => ({ userId: d.userId, bucket: d.bucket, key: d.key });

async function stageAndCutOver(from: StoreSpec, to: StoreSpec, tag: string): Promise<void> {
  const docs = taggedFixture(tag, 160, 200 * 1024);
  await world.load(from, docs);
  const taskId = await stageDetached(from, to, '--page-size', '40');
  try {
    await writeThenCutOver(taskId, from, to, tag, docs);
  } catch (err) {
    // One migration runs per catalog: a pair that failed must not leave the next ones refused.
    await world.cli(['cancel', String(taskId)]);
    for (const until = Date.now() + 60_000; Date.now() < until;) {
      const s = JSON.parse((await world.cli(['--json', 'status', String(taskId)])).stdout) as {
        workflow?: string;
      };
      if (s.workflow !== 'RUNNING') break;
      await new Promise((res) => setTimeout(res, 500));
    }
    throw err;
  }
}

async function writeThenCutOver(
  taskId: number,
  from: StoreSpec,
  to: StoreSpec,
  tag: string,
  docs: FixtureDoc[],
): Promise<void> {
  const writer = startLiveWriter(world.manager(from), docs, { intervalMs: 15, seed: tag.length });
  try {
    await waitForPasses(taskId, 3);
  } finally {
    await writer.stop();
  }
  const wrote = await writer.stop();
  expect(wrote.rewrites).toBeGreaterThan(0);
  expect(wrote.adds).toBeGreaterThan(0);
  expect(wrote.deletes).toBeGreaterThan(0);
  expect(await stageIndexes()).toBe(1);
  // Until the cutover no row points at the destination, whatever Anchore wrote meanwhile.
  const dest = driverOf(to);
  const early = await world.pool.query(
    `SELECT count(*)::int AS n FROM archive_metadata WHERE starts_with(content_url, $1) AND starts_with("userId", $2)`,
    [dest.location, tag],
  );
  expect(early.rows[0].n).toBe(0);

  const cut = await world.cli(['cutover', String(taskId), '--dontask']);
  if (cut.code !== 0) {
    const failed = await world.pool.query(
      `SELECT "archiveId", phase, error_code, error_message FROM objectstorage_journal
       WHERE task_id = $1 AND phase = 'failed'`,
      [taskId],
    );
    await world.cli(['cancel', String(taskId)]);
    throw new Error(
      `cutover exited ${cut.code}\n${cut.stdout}\n${cut.stderr}\n${JSON.stringify(failed.rows)}\n${world.worker.output()}`,
    );
  }
  if (process.env.DEBUG_STAGE) console.log(cut.stdout, wrote);
  expect(cut.stdout).toMatch(/Offline window: \d+\.\d s/);
  expect(cut.stdout).toContain('MUST have the following configuration');

  const latest = writer.latest();
  await expectAllAt(world, to, latest);
  expect(await stageIndexes()).toBe(0);
  // The Anchore task row counts what the cutover found: Anchore's adds and deletes included.
  expect(await world.task(taskId)).toEqual({ state: 'complete', total: latest.length, done: latest.length });
  const source = driverOf(from);
  try {
    const left = await world.pool.query(
      `SELECT count(*)::int AS n FROM archive_metadata WHERE starts_with(content_url, $1)`,
      [source.location],
    );
    expect(left.rows[0].n).toBe(0);
    for (const d of latest) expect(await source.exists(source.uriFor(refOf(d)))).toBe(false);
    for (const d of writer.deleted()) {
      expect(await dest.exists(dest.uriFor(refOf(d)))).toBe(false);
      expect(await source.exists(source.uriFor(refOf(d)))).toBe(false);
    }
    const unfinished = await world.pool.query(
      `SELECT phase, count(*)::int AS n FROM objectstorage_journal WHERE task_id = $1
         AND phase NOT IN ('deleted') GROUP BY phase`,
      [taskId],
    );
    expect(unfinished.rows).toEqual([]);
  } finally {
    await Promise.all([source.close(), dest.close()]);
  }
}

describe('stage while Anchore writes, then cut over: the pairs of the migration matrix, and swift', () => {
  test('db → s3', () => stageAndCutOver(stores.db(), stores.s3(), 'stg-db-s3'));
  // db and db2 live in the catalog itself (one location each): each is a source before it is a destination.
  test('db2 → localfs', () => stageAndCutOver(stores.db2(), stores.localfs(), 'stg-db2-fs'));
  test('s3 → db2', () => stageAndCutOver(stores.s3(), stores.db2(), 'stg-s3-db2'));
  test('db → db2', () => stageAndCutOver(stores.db(), stores.db2(), 'stg-db-db2'));
  test('localfs → swift', () => stageAndCutOver(stores.localfs(), stores.swift(), 'stg-fs-swift'));
  test('swift → s3 on SeaweedFS', () => stageAndCutOver(stores.swift(), stores.seaweed(), 'stg-swift-weed'));
  test('s3 on SeaweedFS → db', () => stageAndCutOver(stores.seaweed(), stores.db(), 'stg-weed-db'));
  test('s3 bucket A → s3 bucket B (same kind: server-side copies)', () =>
    stageAndCutOver(stores.s3(), stores.s3(), 'stg-s3-s3'));
  test('localfs directory A → directory B', () =>
    stageAndCutOver(stores.localfs(), stores.localfs(), 'stg-fs-fs'));
  test('localfs → s3', () => stageAndCutOver(stores.localfs(), stores.s3(), 'stg-fs-s3'));
  test('s3 on VersityGW → s3 on SeaweedFS', () =>
    stageAndCutOver(stores.s3(), stores.seaweed(), 'stg-s3-weed'));
  test('SeaweedFS bucket A → bucket B', () =>
    stageAndCutOver(stores.seaweed(), stores.seaweed(), 'stg-weed-weed'));
});

describe('abort and the refusals of cutover', () => {
  test('abort drops a staged migration: its staged copies and journal rows go, every row stays where it was', async () => {
    const from = stores.db2();
    const to = stores.s3();
    const docs = taggedFixture('stg-abort', 60);
    await world.load(from, docs);
    const taskId = await stageDetached(from, to);
    await waitForPasses(taskId, 1);
    const dest = driverOf(to);
    try {
      expect(await dest.exists(dest.uriFor(refOf(docs[0] as FixtureDoc)))).toBe(true);
      const r = await world.cli(['abort', String(taskId)]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Migration ${taskId} aborted`);
      for (const d of docs) expect(await dest.exists(dest.uriFor(refOf(d)))).toBe(false);
      await expectAllAt(world, from, docs);
      const journal = await world.pool.query(
        `SELECT count(*)::int AS n FROM objectstorage_journal WHERE task_id = $1`,
        [taskId],
      );
      expect(journal.rows[0].n).toBe(0);
      const record = await world.pool.query(`SELECT state FROM objectstorage_migrations WHERE task_id = $1`, [
        taskId,
      ]);
      expect(record.rows[0].state).toBe('aborted');
      expect(await stageIndexes()).toBe(0);
      // Aborted, it is not running: a cutover has nothing to cut over.
      const late = await world.cli(['cutover', String(taskId), '--dontask']);
      expect(late.code).toBe(1);
      expect(late.stderr).toMatch(/MigrationNotRunningError: migration \d+ is not running/);
    } finally {
      await dest.close();
    }
  });

  test('cutover refuses, by name and before anything changes, while Anchore heartbeats and for a migrate migration', async () => {
    const from = stores.db();
    const to = stores.localfs();
    const docs = taggedFixture('stg-refuse', 30);
    await world.load(from, docs);
    const taskId = await stageDetached(from, to);
    await waitForPasses(taskId, 1);
    await world.pool.query(
      `INSERT INTO services (hostid, servicename, heartbeat, status, record_state_key)
       VALUES ('anchore-stg', 'catalog', extract(epoch from now())::int, true, 'active')`,
    );
    try {
      const r = await world.cli(['cutover', String(taskId), '--dontask']);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/GuardRefusedError: .*catalog@anchore-stg/);
      const moved = await world.pool.query(
        `SELECT count(*)::int AS n FROM objectstorage_journal WHERE task_id = $1 AND phase = 'switched'`,
        [taskId],
      );
      expect(moved.rows[0].n).toBe(0);
    } finally {
      await world.pool.query(`DELETE FROM services WHERE hostid = 'anchore-stg'`);
    }
    const cut = await world.cli(['cutover', String(taskId), '--dontask', '--nodelete']);
    expect(cut.code).toBe(0);
    await expectAllAt(world, to, docs);
    const notStaged = await world.cli(['cutover', String(taskId), '--dontask']);
    expect(notStaged.code).toBe(1);
    const migrated = await world.migrate(configFile(to), configFile(stores.db2()), '--nodelete');
    expect(migrated.code).toBe(0);
    const wrongKind = await world.cli(['cutover', String(migrated.taskId), '--dontask']);
    expect(wrongKind.code).toBe(3);
    expect(wrongKind.stderr).toMatch(
      /was started by migrate or reverse, not stage: there is nothing to cut over/,
    );
  });
});
