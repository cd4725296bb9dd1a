/**
 * Bad configs and bad catalog connections given to `migrate`: each is a named error on stderr with a message
 * that says what to do, exit 1, no secret in the output, and the catalog (metadata and bodies) unchanged.
 * Problems the CLI can see are refused before anything is registered; problems only a worker sees (S3 keys,
 * endpoint, bucket, data directory) stop the migration in its prepare step, before any document is read.
 */
import { randomBytes } from 'node:crypto';
import { closedPort, expectNamedError } from '../helpers/bad-input';
import { admin } from '../helpers/catalog-db';
import { anchoreConfig, writeTempConfig } from '../helpers/cli';
import { makeFixture } from '../helpers/fixture';
import { stackEnv } from '../helpers/stack-env';
import { configFile, createWorld, snapshot, stores, type World } from '../helpers/world';

jest.setTimeout(120_000);

// The worker resolves these references from its own environment: keys the S3 server does not know.
const WRONG_KEYS = {
  ANCHORE_BI_WRONG_ACCESS: 'AKIABADINPUT0000',
  ANCHORE_BI_WRONG_SECRET: 'bad-input-secret-42',
};
const ROLE = `aos_bi_${randomBytes(4).toString('hex')}`;
const ROLE_PASSWORD = `right-${randomBytes(6).toString('hex')}`;

let world: World;
let source: string;
let before: unknown;
beforeAll(async () => {
  world = await createWorld(WRONG_KEYS);
  const db = stores.db();
  await world.load(
    db,
    makeFixture(20, { seed: 99 }).map((d) => ({ ...d, userId: `cfg-${d.userId}` })),
  );
  source = configFile(db);
  before = await snapshot(world.pool);
  await admin((c) => c.query(`CREATE ROLE ${ROLE} LOGIN PASSWORD '${ROLE_PASSWORD}'`));
});
afterAll(async () => {
  await admin((c) => c.query(`DROP ROLE IF EXISTS ${ROLE}`));
  await world?.close();
});

const section = (driver: string, config: string): string =>
  writeTempConfig(
    anchoreConfig(`object_store:\n  storage_driver:\n    name: ${driver}\n    config: ${config}`),
  );
const s3Config = (url: string, bucket: string, extra = '', access = 'ANCHORE_S3_ACCESS'): string =>
  section(
    's3',
    `{url: '${url}', bucket: ${bucket}, prefix: anchore/, ${extra}access_key: \${${access}}, ` +
      `secret_key: \${${access.replace('ACCESS', 'SECRET')}}}`,
  );
const newBucket = (): string => `aos-bi-${randomBytes(4).toString('hex')}`;

/** One bad input: the CLI arguments (built once the source exists), the error, and a hint in its message. */
interface Refusal {
  readonly label: string;
  readonly args: () => string[] | Promise<string[]>;
  readonly name: string;
  readonly hint: RegExp;
  readonly secret?: string;
}

const migrateTo = (to: string, ...more: string[]): string[] => ['migrate', source, to, '--dontask', ...more];
/** `--db-connect` is a global option: it goes before the command and overrides ANCHORE_DB_CONNECT. */
const migrateWithCatalog = (url: string): string[] => [
  '--db-connect',
  url,
  ...migrateTo(configFile(stores.db2())),
];
const pgUrl = (user: string, password: string, database: string, port = '5432'): string =>
  `postgresql://${user}:${password}@127.0.0.1:${port}/${database}`;

/** Runs every case (in parallel: each is a CLI process), expects its named error, clean output, same catalog. */
async function expectRefused(cases: readonly Refusal[]): Promise<void> {
  await Promise.all(
    cases.map(async (c) => {
      const r = await world.cli(await c.args());
      try {
        expectNamedError(r, c.name, 1, c.hint);
        const secrets = [stackEnv.s3SecretKey, ...Object.values(WRONG_KEYS), ...(c.secret ? [c.secret] : [])];
        for (const secret of secrets) expect(r.stdout + r.stderr).not.toContain(secret);
      } catch (err) {
        throw new Error(`${c.label}: ${(err as Error).message}`);
      }
    }),
  );
  expect(await snapshot(world.pool)).toEqual(before);
}

test('config files and options the CLI refuses before registering anything', () =>
  expectRefused([
    {
      label: 'malformed YAML',
      args: () => migrateTo(writeTempConfig('services:\n  catalog: [unclosed\n')),
      name: 'ConfigError',
      hint: /malformed YAML at line/,
    },
    {
      label: 'not an Anchore config',
      args: () => migrateTo(writeTempConfig('hello: world\n')),
      name: 'ConfigError',
      hint: /not an Anchore config/,
    },
    {
      label: 'unknown driver',
      args: () => migrateTo(section('rdbms', '{}')),
      name: 'UnknownDriverError',
      hint: /Valid names: db, db2, localfs, s3/,
    },
    {
      label: 's3 without bucket',
      args: () => migrateTo(section('s3', '{iamauto: true}')),
      name: 'ConfigValidationError',
      hint: /config\.bucket: Required/,
    },
    {
      label: 'localfs without archive_data_dir',
      args: () => migrateTo(section('localfs', '{}')),
      name: 'ConfigValidationError',
      hint: /archive_data_dir: Required/,
    },
    {
      label: 'unset ${ANCHORE_*} in a block mapping',
      args: () =>
        migrateTo(
          writeTempConfig(
            anchoreConfig(
              'object_store:\n  storage_driver:\n    name: s3\n    config:\n      bucket: b\n' +
                '      access_key: ${ANCHORE_BI_UNSET}\n      secret_key: ${ANCHORE_BI_UNSET}',
            ),
          ),
        ),
      name: 'UnsetVariableError',
      hint: /unset: ANCHORE_BI_UNSET\. Export them/,
    },
    {
      // Left unset, a reference is not valid YAML inside {...}: the error names the variables, not a column.
      label: 'unset ${ANCHORE_*} inside a {...} mapping',
      args: () => migrateTo(s3Config(stackEnv.s3Endpoint, 'b', '', 'ANCHORE_BI_UNSET_ACCESS')),
      name: 'UnsetVariableError',
      hint: /ANCHORE_BI_UNSET_ACCESS, ANCHORE_BI_UNSET_SECRET\. Export/,
    },
    {
      // Anchore ignores the misspelt key and would read the default db driver: nothing may move on that guess.
      label: 'misspelt storage_driver',
      args: () =>
        migrateTo(
          writeTempConfig(
            anchoreConfig(
              `object_store:\n  storage_drvier:\n    name: s3\n    config: {bucket: b, iamauto: true}`,
            ),
          ),
        ),
      name: 'UnknownConfigKeyError',
      hint: /object_store\.storage_drvier: unknown key; did you mean storage_driver\?/,
    },
    {
      // A bucket no document is in moved nothing and ended "complete", telling the operator to change config.
      label: '--bucket that no document is in',
      args: () => migrateTo(configFile(stores.db2()), '--bucket', 'analysis_dta'),
      name: 'UnknownBucketError',
      hint: /--bucket analysis_dta: no document of this catalog is in it; did you mean analysis_data\?.*buckets here: /s,
    },
    {
      label: '--verify sometimes',
      args: () => migrateTo(configFile(stores.db2()), '--verify', 'sometimes'),
      name: 'UsageError',
      hint: /--verify must be head or full/,
    },
    {
      label: '--page-size 0',
      args: () => migrateTo(configFile(stores.db2()), '--page-size', '0'),
      name: 'UsageError',
      hint: /--page-size must be a positive integer/,
    },
  ]));

test('catalog connections the CLI refuses: unreachable, unknown role or database, no Anchore tables, wrong password', async () => {
  const rules = await world.pool.query<{ auth_method: string }>(
    `SELECT auth_method FROM pg_hba_file_rules WHERE type = 'host' AND address = '127.0.0.1' LIMIT 1`,
  );
  const trust = rules.rows[0]?.auth_method === 'trust';
  const wrong = `wrong-${randomBytes(6).toString('hex')}`;
  await expectRefused([
    {
      label: 'closed loopback port',
      args: async () => migrateWithCatalog(pgUrl('postgres', 'x', 'postgres', String(await closedPort()))),
      name: 'CatalogError',
      hint: /cannot reach .*check --db-connect/,
    },
    {
      label: 'unknown role',
      args: () => migrateWithCatalog(pgUrl('no_such_role', 'pw-unknown-role-1', world.catalog.name)),
      name: 'CatalogError',
      hint: /rejected the user or password/,
      secret: 'pw-unknown-role-1',
    },
    {
      label: 'unknown database',
      args: () => migrateWithCatalog(pgUrl('postgres', 'x', `${world.catalog.name}_missing`)),
      name: 'CatalogError',
      hint: /does not exist/,
    },
    {
      label: 'database without Anchore tables',
      args: () => migrateWithCatalog(pgUrl('postgres', 'pw-no-tables-2', 'postgres')),
      name: 'CatalogError',
      hint: /not an Anchore catalog: missing table/,
      secret: 'pw-no-tables-2',
    },
    {
      // With trust auth on 127.0.0.1 (this machine's pg_hba) any password is accepted: the role gets in but has
      // no rights on the catalog's tables, and must be told that (not "missing tables"). With md5/scram
      // PostgreSQL refuses the password itself.
      label: `wrong password (${trust ? 'trust' : 'password'} auth)`,
      args: () => migrateWithCatalog(pgUrl(ROLE, wrong, world.catalog.name)),
      name: 'CatalogError',
      hint: trust ? /may not read Anchore's table\(s\) archive_metadata/ : /rejected the user or password/,
      secret: wrong,
    },
  ]);
});

describe('store problems only a worker sees stop the migration in prepare (exit 1, nothing read or moved)', () => {
  // Sequential: one migration at a time per catalog.
  const stopsInPrepare = (to: string, name: string, hint: RegExp): Promise<void> =>
    expectRefused([{ label: name, args: () => migrateTo(to), name, hint }]);

  test('wrong S3 keys', () =>
    stopsInPrepare(
      s3Config(stackEnv.s3Endpoint, newBucket(), 'create_bucket: true, ', 'ANCHORE_BI_WRONG_ACCESS'),
      'BadCredentialsError',
      /rejected the credentials .*Check the keys/,
    ));

  test('S3 bucket missing without create_bucket', () =>
    stopsInPrepare(
      s3Config(stackEnv.s3Endpoint, newBucket()),
      'BucketNotFoundError',
      /set create_bucket: true/,
    ));

  test('localfs archive_data_dir that does not exist on the worker (prepare never creates it)', () =>
    // A path below a regular file cannot exist for anyone (ENOTDIR); a migration's prepare no longer tries to
    // create the directory at all: only `check` does, as Anchore's start-up does.
    stopsInPrepare(
      section('localfs', '{archive_data_dir: /etc/hostname/x}'),
      'DataDirMissingError',
      /archive_data_dir \/etc\/hostname\/x does not exist on this host/,
    ));

  test('unreachable S3 endpoint (closed loopback port; prepare retries it for ~30 s first)', async () =>
    stopsInPrepare(
      s3Config(`http://127.0.0.1:${await closedPort()}`, newBucket(), 'create_bucket: true, '),
      'EndpointUnreachableError',
      /cannot reach .*Check the url\/region/,
    ));
});

test('a variable only the CLI has is named as missing from the worker, with its host and pid; status says why it stopped', async () => {
  const to = s3Config(
    stackEnv.s3Endpoint,
    newBucket(),
    'create_bucket: true, ',
    'ANCHORE_BI_CLI_ONLY_ACCESS',
  );
  const cliOnly = {
    ANCHORE_BI_CLI_ONLY_ACCESS: 'AKIACLIONLY',
    ANCHORE_BI_CLI_ONLY_SECRET: 'cli-only-secret-7',
  };
  const r = await world.cli(migrateTo(to), cliOnly);
  expectNamedError(r, 'UnsetVariableError', 1, /unset in the environment of worker \S+ pid \d+/);
  expect(r.stderr).not.toMatch(/before running this command/);
  const taskId = Number(/Migration Task Id: (\d+)/.exec(r.stdout)?.[1]);
  const status = await world.cli(['status', String(taskId)]);
  expect(status.stdout).toMatch(
    /stopped: +UnsetVariableError: .*worker \S+ pid \d+: ANCHORE_BI_CLI_ONLY_ACCESS/,
  );
  const json = JSON.parse((await world.cli(['--json', 'status', String(taskId)])).stdout);
  expect(json.stopReason).toMatch(/^UnsetVariableError: /);
  const list = await world.cli(['list-migrations']);
  expect(list.stdout).toMatch(new RegExp(`^${taskId}\\s+failed\\s.*UnsetVariableError`, 'm'));
  expect(`${r.stdout}${r.stderr}${status.stdout}${list.stdout}`).not.toContain('cli-only-secret-7');
  expect(await snapshot(world.pool)).toEqual(before);
});
