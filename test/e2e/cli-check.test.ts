/** `objectstorage check` and `list-drivers` as a process, against the real PostgreSQL and VersityGW. */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { catalogFingerprint, SCHEMA_VERSION } from '../../src/catalog';
import { createTestCatalog, type TestCatalog } from '../helpers/catalog-db';
import { anchoreConfig, runCli, writeTempConfig } from '../helpers/cli';
import { stackEnv } from '../helpers/stack-env';

let catalog: TestCatalog;
beforeAll(async () => {
  catalog = await createTestCatalog();
});
afterAll(() => catalog.drop());

const db = (): Record<string, string> => ({ ANCHORE_DB_CONNECT: catalog.url });
const s3Env = { ANCHORE_S3_ACCESS: stackEnv.s3AccessKey, ANCHORE_S3_SECRET: stackEnv.s3SecretKey };
const s3Section = (bucket: string, extra = ''): string =>
  anchoreConfig(`object_store:
  compression: {enabled: true, min_size_kbytes: 0}
  storage_driver:
    name: s3
    config:
      url: ${stackEnv.s3Endpoint}
      bucket: ${bucket}
      prefix: anchore/
      access_key: \${ANCHORE_S3_ACCESS}
      secret_key: \${ANCHORE_S3_SECRET}
${extra}`);

async function metadataRows(): Promise<number> {
  return Number((await catalog.pool.query('SELECT count(*) FROM archive_metadata')).rows[0].count);
}

describe('list-drivers and help', () => {
  test('list-drivers names every Anchore driver', async () => {
    const r = await runCli(['list-drivers']);
    expect(r.code).toBe(0);
    for (const name of ['db', 'db2', 'localfs', 's3', 'swift'])
      expect(r.stdout).toMatch(new RegExp(`^\\s+${name}\\s`, 'm'));
    const j = await runCli(['--json', 'list-drivers']);
    expect(JSON.parse(j.stdout).drivers.map((d: { name: string }) => d.name)).toEqual([
      'db',
      'db2',
      'localfs',
      's3',
      'swift',
    ]);
  });

  test('--help lists the commands, the global options and the exit codes', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: objectstorage [options] [command]');
    expect(r.stdout).toMatch(/check \[options\] <config>\s+store, read back and delete/);
    expect(r.stdout).toContain('--db-connect <url>');
    expect(r.stdout).toContain('Exit codes:');
    const c = await runCli(['check', '--help']);
    expect(c.stdout).toContain('--analysis-archive');
    expect(c.stdout).toContain('5 the test document did not round-trip');
  });

  test('an unknown command is a usage error with exit 1', async () => {
    const r = await runCli(['no-such-command']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("unknown command 'no-such-command'");
  });
});

describe('check: success paths', () => {
  test('db store through the legacy `archive` key (Anchore’s shipped default) says which section it used', async () => {
    const file = writeTempConfig(
      anchoreConfig('archive:\n  compression: {enabled: false}\n  storage_driver: {name: db, config: {}}'),
    );
    const r = await runCli(['check', file], db());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Config section: services.catalog.archive');
    expect(r.stdout).toMatch(/Driver:\s+db/);
    expect(r.stdout).toMatch(/Round trip:\s+\d+ ms/);
    expect(await metadataRows()).toBe(0); // the test document is gone
  });

  test("the catalog's identity: none before a migration; once created, its id, task queue and schema version", async () => {
    const file = writeTempConfig(anchoreConfig('object_store:\n  storage_driver: {name: db, config: {}}'));
    const before = await runCli(['check', file], db());
    expect(before.code).toBe(0);
    expect(before.stdout).toContain(
      'Catalog:        no identity yet (the first migrate or worker creates it)',
    );
    const id = await catalogFingerprint(catalog.pool);
    const after = await runCli(['check', file], db());
    expect(after.stdout).toContain(
      `Catalog:        identity ${id} (task queue anchore-objectstorage-${id}, tables at schema version ${SCHEMA_VERSION}`,
    );
    expect(after.stdout).not.toContain('restored, upgraded or switched over');
    const json = await runCli(['check', file, '--json'], db());
    expect(JSON.parse(json.stdout).catalog).toMatchObject({
      id,
      schemaVersion: SCHEMA_VERSION,
      movedSinceCreated: false,
    });
  });

  test('analysis archive falls back to the object store when the section is absent', async () => {
    const file = writeTempConfig(anchoreConfig('object_store:\n  storage_driver: {name: db2, config: {}}'));
    const r = await runCli(['--json', 'check', '--analysis-archive', file], db());
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      driver: 'db2',
      fellBackToObjectStore: true,
      result: 'ok',
      location: 'db2://',
    });
  });

  test('s3 store with ${ANCHORE_*} references: JSON result, no secret anywhere in the output', async () => {
    const file = writeTempConfig(
      s3Section(`aos-check-${randomUUID().slice(0, 8)}`, '      create_bucket: true'),
    );
    const r = await runCli(['--json', '--log-level', 'debug', 'check', file], { ...db(), ...s3Env });
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ section: 'services.catalog.object_store', driver: 's3', result: 'ok' });
    expect(result.location).toMatch(/^s3:\/\/aos-check-[0-9a-f]{8}\/anchore\/$/);
    expect(r.stdout + r.stderr).not.toContain(stackEnv.s3SecretKey);
    expect(r.stdout + r.stderr).not.toContain(stackEnv.s3AccessKey);
  });

  test('localfs store leaves the data dir as Anchore expects it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aos-check-fs-'));
    const file = writeTempConfig(
      anchoreConfig(`object_store:\n  storage_driver: {name: localfs, config: {archive_data_dir: ${dir}}}`),
    );
    const r = await runCli(['check', file], db());
    expect(r.code).toBe(0);
    for (const entry of readdirSync(dir)) expect(entry).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('check: bad input is a named error, exit 1, nothing written', () => {
  const cases: Array<[string, () => string, Record<string, string>, string]> = [
    ['malformed YAML', () => writeTempConfig('services:\n  catalog: [unclosed\n'), {}, 'ConfigError'],
    ['not an Anchore config', () => writeTempConfig('hello: world\n'), {}, 'ConfigError'],
    [
      'unknown driver name',
      () => writeTempConfig(anchoreConfig('object_store:\n  storage_driver: {name: rdbms, config: {}}')),
      {},
      'UnknownDriverError',
    ],
    [
      'missing s3 bucket',
      () =>
        writeTempConfig(
          anchoreConfig('object_store:\n  storage_driver: {name: s3, config: {iamauto: true}}'),
        ),
      {},
      'ConfigValidationError',
    ],
    ['unset ${ANCHORE_X}', () => writeTempConfig(s3Section('b')), {}, 'UnsetVariableError'],
    [
      'wrong S3 keys',
      () => writeTempConfig(s3Section(`aos-check-${randomUUID().slice(0, 8)}`, '      create_bucket: true')),
      { ANCHORE_S3_ACCESS: 'AKIAWRONG0000', ANCHORE_S3_SECRET: 'the-wrong-secret-42' },
      'BadCredentialsError',
    ],
    [
      'S3 bucket missing without create_bucket',
      () => writeTempConfig(s3Section(`aos-missing-${randomUUID().slice(0, 8)}`)),
      s3Env,
      'BucketNotFoundError',
    ],
    [
      'unreachable S3 endpoint',
      () => writeTempConfig(s3Section('b').replace(stackEnv.s3Endpoint, 'http://127.0.0.1:9')),
      s3Env,
      'EndpointUnreachableError',
    ],
    [
      'localfs dir with unknown files',
      () => {
        const dir = mkdtempSync(join(tmpdir(), 'aos-check-bad-'));
        writeFileSync(join(dir, 'README'), 'not anchore');
        return writeTempConfig(
          anchoreConfig(
            `object_store:\n  storage_driver: {name: localfs, config: {archive_data_dir: ${dir}}}`,
          ),
        );
      },
      {},
      'UnknownFilesInDataDirError',
    ],
  ];

  test.each(cases)('%s', async (_label, makeFile, env, name) => {
    const before = await metadataRows();
    const r = await runCli(['check', makeFile()], { ...db(), ...env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: ${name}:`);
    expect(r.stdout).toBe('');
    for (const secret of Object.values(env)) expect(r.stderr).not.toContain(secret);
    expect(await metadataRows()).toBe(before);
  });

  test('no catalog database given → CatalogError that says how to give one', async () => {
    const file = writeTempConfig(anchoreConfig('object_store:\n  storage_driver: {name: db, config: {}}'));
    const r = await runCli(['check', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: CatalogError: no catalog database given: pass --db-connect');
  });

  test('a database without Anchore tables → CatalogError; a password in the URL is never printed', async () => {
    const file = writeTempConfig(anchoreConfig('object_store:\n  storage_driver: {name: db, config: {}}'));
    const url = new URL(stackEnv.pgAdminUrl);
    url.password = 'hunter2-db-password';
    const r = await runCli(['--json', 'check', file], { ANCHORE_DB_CONNECT: url.toString() });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error).toMatchObject({ name: 'CatalogError' });
    expect(r.stdout + r.stderr).not.toContain('hunter2-db-password');
  });
});
