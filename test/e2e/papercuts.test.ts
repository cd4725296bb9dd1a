/**
 * The small things that make an operator distrust a tool (issue 21, item 6), each on the real stack: a closed
 * pipe, https against a plain-http endpoint, a concurrency migrate capped where throttle refuses it, an unknown
 * migration id, an unreachable Temporal blamed on the store config, pausing a finished migration, the Temporal
 * UI link, and migrate lingering after its result.
 */
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedPort, expectNamedError } from '../helpers/bad-input';
import { anchoreConfig, writeTempConfig } from '../helpers/cli';
import { taggedFixture } from '../helpers/fixture';
import { startCli, waitFor } from '../helpers/processes';
import { stackEnv } from '../helpers/stack-env';
import { configFile, createWorld, stores, type World } from '../helpers/world';

jest.setTimeout(180_000);

let world: World;
const from = stores.db();
beforeAll(async () => {
  world = await createWorld();
  await world.load(from, taggedFixture('papercut', 12));
  await waitFor(() => world.worker.output().includes('worker ready'), 60_000, 'the worker');
});
afterAll(() => world?.close());

test('output into a pipe closed early ends quietly, without an EPIPE stack trace', () => {
  const bin = join(__dirname, '../../bin/objectstorage');
  // head -c 0 exits at once: every write of the CLI meets a closed pipe. Prints the CLI's exit code, then its stderr.
  const out = execFileSync(
    'bash',
    ['-c', `"${bin}" list-migrations 2>"$ERR" | head -c 0; echo "exit \${PIPESTATUS[0]}"; cat "$ERR"`],
    {
      encoding: 'utf8',
      env: { ...process.env, ...world.env, ERR: join(tmpdir(), `aos-epipe-${process.pid}`) },
    },
  );
  expect(out).toBe('exit 0\n');
});

test('https against a plain-http endpoint is named, with the fix', async () => {
  const config = writeTempConfig(
    anchoreConfig(
      `object_store:\n  storage_driver:\n    name: s3\n    config: {url: 'https://127.0.0.1:${new URL(stackEnv.s3Endpoint).port}', ` +
        'bucket: aos-tls, create_bucket: true, access_key: ${ANCHORE_S3_ACCESS}, secret_key: ${ANCHORE_S3_SECRET}}',
    ),
  );
  const r = await world.cli(['check', config]);
  expect(`${r.stdout}${r.stderr}`).not.toMatch(/EPROTO[^,]/);
  expect(`${r.stdout}${r.stderr}`).toMatch(
    /url says https:\/\/ but the server speaks plain HTTP.*write http:\/\//,
  );
  expect(r.code).not.toBe(0);
});

test('migrate refuses a concurrency throttle would refuse, and an unknown id is named as such', async () => {
  const to = configFile(stores.db2());
  const r = await world.cli(['migrate', configFile(from), to, '--dontask', '--concurrency', '100000']);
  expectNamedError(r, 'UsageError', 1, /--concurrency must be from 1 to 256, got 100000/);
  const t = await world.cli(['throttle', '999999', '--concurrency', '2']);
  expectNamedError(t, 'MigrationNotFoundError', 1, /no migration with id 999999/);
  const s = await world.cli(['status', '999999']);
  expectNamedError(s, 'MigrationNotFoundError', 1, /no migration with id 999999/);
});

test('an unreachable Temporal is blamed on the Temporal address, not on the store config', async () => {
  const port = await closedPort();
  const r = await world.cli(['list-migrations'], { TEMPORAL_ADDRESS: `127.0.0.1:${port}` });
  // list-migrations reads the catalog without Temporal; status of a migration needs it.
  expect(r.code).toBe(0);
  const m = await world.cli(['migrate', configFile(from), configFile(stores.db2()), '--dontask'], {
    TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
  });
  expectNamedError(
    m,
    'EndpointUnreachableError',
    1,
    /Temporal at 127\.0\.0\.1:\d+.*Check --temporal-address/,
  );
  expect(m.stderr).not.toMatch(/url\/region/);
});

test('migrate exits as soon as its result is printed, links the UI it is told, and a finished migration cannot be paused', async () => {
  const migrate = startCli(
    ['migrate', configFile(from), configFile(stores.db2()), '--dontask', '--nodelete'],
    { ...world.env, OBJECTSTORAGE_TEMPORAL_UI: 'http://temporal-ui.example:8080/' },
  );
  let printedAt = 0;
  await waitFor(
    () => {
      if (!printedAt && /Migration result summary/.test(migrate.output())) printedAt = Date.now();
      return migrate.child.exitCode !== null;
    },
    120_000,
    'migrate to end',
  );
  const exitedAt = Date.now();
  expect(migrate.child.exitCode).toBe(0);
  expect(exitedAt - printedAt).toBeLessThan(1_500);
  expect(migrate.output()).toMatch(
    /Temporal UI: http:\/\/temporal-ui\.example:8080\/namespaces\/default\/workflows\//,
  );
  const taskId = /Migration Task Id: (\d+)/.exec(migrate.output())?.[1] ?? '';
  const p = await world.cli(['pause', taskId]);
  expectNamedError(
    p,
    'MigrationNotRunningError',
    1,
    new RegExp(`migration ${taskId} is not running .*nothing to pause`),
  );
});
