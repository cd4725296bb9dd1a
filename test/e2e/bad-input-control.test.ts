/**
 * Refusals around running migrations: same or overlapping locations, a second migration, live Anchore services
 * (and --force, for migrate and rollback), invalid throttle values, reverse of an unknown id, rollback after the
 * sources were deleted.
 * Each is a named error with the documented exit code, and the catalog is unchanged.
 */
import { expectNamedError } from '../helpers/bad-input';
import { taggedFixture } from '../helpers/fixture';
import { waitFor } from '../helpers/processes';
import { configFile, createWorld, expectAllAt, snapshot, stores, type World } from '../helpers/world';

jest.setTimeout(120_000);

let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterAll(() => world?.close());

test('source location equal to, or overlapping, the destination: GuardRefusedError, exit 3', async () => {
  const db = stores.db();
  await world.load(db, taggedFixture('same', 10));
  const before = await snapshot(world.pool);
  const same = await world.migrate(configFile(db), configFile(stores.db()));
  expectNamedError(same, 'GuardRefusedError', 3, /same location \(db:\/\/\): nothing to migrate/);
  const outer = stores.s3('aos-bi-overlap', 'anchore/');
  const inner = stores.s3('aos-bi-overlap', 'anchore/inner/');
  const overlap = await world.migrate(configFile(outer), configFile(inner));
  expectNamedError(overlap, 'GuardRefusedError', 3, /overlap: .*Use a bucket or prefix that is not inside/);
  expect(await snapshot(world.pool)).toEqual(before);
});

test('Anchore services heartbeating: refused (exit 3) until --force', async () => {
  const from = stores.db2();
  const to = stores.localfs();
  const docs = taggedFixture('live', 10);
  await world.load(from, docs);
  const before = await snapshot(world.pool);
  await world.pool.query(
    `INSERT INTO services (hostid, servicename, heartbeat, status, record_state_key)
     VALUES ('anchore-bi-1', 'simplequeue', $1, true, 'active')`,
    [Math.floor(Date.now() / 1000)],
  );
  try {
    const live = await world.migrate(configFile(from), configFile(to));
    expectNamedError(
      live,
      'GuardRefusedError',
      3,
      /simplequeue@anchore-bi-1.*Stop all Anchore services.*--force/,
    );
    expect(await snapshot(world.pool)).toEqual(before);
    const forced = await world.migrate(configFile(from), configFile(to), '--force');
    if (forced.code !== 0)
      throw new Error(`--force: exit ${forced.code}\n${forced.stdout}\n${forced.stderr}`);
    await expectAllAt(world, to, docs);
  } finally {
    await world.pool.query(`DELETE FROM services WHERE hostid = 'anchore-bi-1'`);
  }
});

describe('while a migration runs', () => {
  let taskId: string;
  let before: unknown;
  beforeAll(async () => {
    await world.load(stores.db(), taggedFixture('busy', 30));
    // 0.2 documents per second with 25-document pages: the first page moves at once and the next waits ~2
    // minutes, so nothing moves while these tests run, and the migration is still running when they refuse things.
    const first = await world.cli([
      'migrate',
      configFile(stores.db()),
      configFile(stores.db2()),
      '--dontask',
      '--detach',
      '--page-size',
      '25',
      '--concurrency',
      '1',
      '--max-docs-per-second',
      '0.2',
    ]);
    if (first.code !== 0) throw new Error(`exit ${first.code}\n${first.stdout}\n${first.stderr}`);
    taskId = /Migration Task Id: (\d+)/.exec(first.stdout)?.[1] as string;
    // Take the snapshot once the first page is done and the next one waits for the rate limit.
    const waiting = async (): Promise<boolean> => {
      const p = JSON.parse((await world.cli(['--json', 'status', taskId])).stdout).progress;
      return p?.phase === 'migrating' && p.counters.pagesDone >= 1 && p.inFlightPages === 0;
    };
    await waitFor(waiting, 60_000, `migration ${taskId}'s first page`);
    before = await snapshot(world.pool);
  });
  afterAll(async () => {
    await world.cli(['cancel', taskId]);
    const ended = async (): Promise<boolean> =>
      ['complete', 'failed'].includes((await world.task(Number(taskId))).state);
    await waitFor(ended, 60_000, `migration ${taskId} to end after cancel`);
  });

  test('a second migration on the same catalog: GuardRefusedError, exit 3', async () => {
    const second = await world.migrate(configFile(stores.db2()), configFile(stores.localfs()));
    expectNamedError(
      second,
      'GuardRefusedError',
      3,
      new RegExp(`migration ${taskId} .*objectstorage cancel ${taskId}`),
    );
    expect(await snapshot(world.pool)).toEqual(before);
  });

  test('invalid throttle values: named errors, exit 1, the running throttle unchanged', async () => {
    const cases: Array<[string[], string, RegExp]> = [
      [['--concurrency', '0'], 'UsageError', /--concurrency must be a positive integer, got "0"/],
      [['--concurrency', '2.5'], 'UsageError', /--concurrency must be a positive integer/],
      [['--concurrency', '100000'], 'ConfigError', /concurrency must be an integer from 1 to \d+/],
      [['--max-docs-per-second', '-1'], 'UsageError', /--max-docs-per-second must be a number >= 0/],
      [['--max-bytes-per-second', 'fast'], 'UsageError', /--max-bytes-per-second must be a number >= 0/],
      [[], 'ConfigError', /give at least one of concurrency/],
    ];
    for (const [args, name, hint] of cases)
      expectNamedError(await world.cli(['throttle', taskId, ...args]), name, 1, hint);
    const status = await world.cli(['--json', 'status', taskId]);
    expect(JSON.parse(status.stdout).progress.throttle).toEqual({
      concurrency: 1,
      maxDocsPerSecond: 0.2,
      maxBytesPerSecond: 0,
    });
    expect(await snapshot(world.pool)).toEqual(before);
  });
});

test('reverse of an unknown id: MigrationNotFoundError, exit 1; of a non-number: UsageError', async () => {
  const before = await snapshot(world.pool);
  expectNamedError(
    await world.cli(['reverse', '987654']),
    'MigrationNotFoundError',
    1,
    /no migration with id 987654 .*list-migrations/,
  );
  expectNamedError(
    await world.cli(['reverse', 'latest']),
    'UsageError',
    1,
    /migration id must be a positive integer/,
  );
  expect(await snapshot(world.pool)).toEqual(before);
});

test('rollback after the sources were deleted: GuardRefusedError, exit 3, points at reverse', async () => {
  const from = stores.localfs();
  const to = stores.db2();
  await world.load(from, taggedFixture('gone', 10));
  const r = await world.migrate(configFile(from), configFile(to));
  if (r.code !== 0) throw new Error(`exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  const before = await snapshot(world.pool);
  const rb = await world.cli(['rollback', String(r.taskId)]);
  expectNamedError(
    rb,
    'GuardRefusedError',
    3,
    new RegExp(`sources of 10 document\\(s\\) were deleted.*objectstorage reverse ${r.taskId}`),
  );
  expect(await snapshot(world.pool)).toEqual(before);
});

test('rollback with Anchore services heartbeating: GuardRefusedError, exit 3, until --force (issue 20, scenario 2)', async () => {
  const from = stores.db2();
  const to = stores.localfs();
  const docs = taggedFixture('rb-live', 10);
  await world.load(from, docs);
  const r = await world.migrate(configFile(from), configFile(to), '--nodelete');
  if (r.code !== 0) throw new Error(`exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  await world.pool.query(
    `INSERT INTO services (hostid, servicename, heartbeat, status, record_state_key)
     VALUES ('anchore-rb-1', 'catalog', $1, true, 'active')`,
    [Math.floor(Date.now() / 1000)],
  );
  try {
    const before = await snapshot(world.pool);
    const live = await world.cli(['rollback', String(r.taskId)]);
    expectNamedError(
      live,
      'GuardRefusedError',
      3,
      /catalog@anchore-rb-1.*Stop all Anchore services.*--force/,
    );
    expect(await snapshot(world.pool)).toEqual(before);
    const forced = await world.cli(['rollback', String(r.taskId), '--force']);
    if (forced.code !== 0)
      throw new Error(`--force: exit ${forced.code}\n${forced.stdout}\n${forced.stderr}`);
    await expectAllAt(world, from, docs);
  } finally {
    await world.pool.query(`DELETE FROM services WHERE hostid = 'anchore-rb-1'`);
  }
});
