/**
 * A secured Temporal: TLS, mTLS and an API key, set by flags, by the standard TEMPORAL_* variables and by a
 * `temporal` CLI profile file, for the CLI and for workers, against the real dev server behind a
 * TLS-terminating proxy with certificates made here. Bad certificates are named errors; the key is never shown.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { anchoreDbStore, createTestCatalog, type TestCatalog } from '../helpers/catalog-db';
import { runCli } from '../helpers/cli';
import { loadFixture, makeFixture } from '../helpers/fixture';
import { startCli, waitFor } from '../helpers/processes';
import { stackEnv } from '../helpers/stack-env';
import { startTemporalTlsProxy, type TlsProxy } from '../helpers/temporal-tls-proxy';
import { makeTestCertificates, type TestCertificates } from '../helpers/test-certificates';
import { configFile, stores } from '../helpers/world';

jest.setTimeout(180_000);

const API_KEY = 'tmprl-test-api-key-3f9c1d';
let certs: TestCertificates;
let catalog: TestCatalog;
let tls: TlsProxy;
let mtls: TlsProxy;
let keyed: TlsProxy;

let taskId: number;
const fixture = makeFixture(30);
const localfs = stores.localfs();

beforeAll(async () => {
  certs = makeTestCertificates();
  catalog = await createTestCatalog();
  // A migration over the plain dev server, so `status` has a workflow to ask the secured one about.
  await loadFixture(anchoreDbStore(catalog.pool), fixture);
  const plain = { ANCHORE_DB_CONNECT: catalog.url, TEMPORAL_ADDRESS: stackEnv.temporalAddress };
  const worker = startCli(['worker', '--concurrency', '2'], plain);
  try {
    await waitFor(() => worker.output().includes('worker ready'), 60_000, 'worker ready');
    const r = await runCli(
      ['migrate', configFile(stores.db()), configFile(localfs), '--dontask', '--page-size', '10'],
      plain,
      150_000,
    );
    expectOk(r);
    taskId = Number(/Migration Task Id: (\d+)/.exec(r.stdout)?.[1]);
  } finally {
    await worker.stop();
  }
  const server = { upstream: stackEnv.temporalAddress, cert: certs.serverCert, key: certs.serverKey };
  tls = await startTemporalTlsProxy(server);
  mtls = await startTemporalTlsProxy({ ...server, clientCa: certs.caCert });
  keyed = await startTemporalTlsProxy({ ...server, apiKey: API_KEY });
});

afterAll(async () => {
  await Promise.all([tls?.close(), mtls?.close(), keyed?.close()]);
  await catalog?.drop();
});

const base = (): Record<string, string> => ({ ANCHORE_DB_CONNECT: catalog.url });

function expectOk(r: { code: number; stdout: string; stderr: string }): void {
  if (r.code !== 0) throw new Error(`exit ${r.code}\n${r.stdout}\n${r.stderr}`);
}

test('TLS by flags: the server CA verifies; another CA is a TemporalTlsError that says what to check', async () => {
  const ok = await runCli(
    ['status', String(taskId), '--temporal-address', tls.address, '--temporal-tls-ca', certs.caCert],
    base(),
  );
  expectOk(ok);

  const bad = await runCli(
    ['status', String(taskId), '--temporal-address', tls.address, '--temporal-tls-ca', certs.otherCaCert],
    base(),
  );
  expect(bad.code).toBe(1);
  expect(bad.stderr).toContain('TemporalTlsError');
  expect(bad.stderr).toContain('--temporal-tls-ca');

  // A plaintext client against a TLS server is told it may need TLS.
  const plain = await runCli(['status', String(taskId), '--temporal-address', tls.address], base());
  expect(plain.code).toBe(1);
  expect(plain.stderr).toContain('--temporal-tls');
});

test('a server name the certificate does not carry is refused; the one it carries is accepted', async () => {
  const args = [
    'status',
    String(taskId),
    '--temporal-address',
    tls.address,
    '--temporal-tls-ca',
    certs.caCert,
  ];
  const wrong = await runCli([...args, '--temporal-tls-server-name', 'temporal.example.com'], base());
  expect(wrong.code).toBe(1);
  expect(wrong.stderr).toContain('TemporalTlsError');
  expectOk(await runCli([...args, '--temporal-tls-server-name', 'localhost'], base()));
});

test('mTLS by TEMPORAL_TLS_* variables: with the client certificate it connects, without it is refused', async () => {
  const env = {
    ...base(),
    TEMPORAL_ADDRESS: mtls.address,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caCert,
  };
  const without = await runCli(['status', String(taskId)], env);
  expect(without.code).toBe(1);
  expect(without.stderr).toMatch(/TemporalTlsError|EndpointUnreachableError/);

  const withCert = await runCli(['status', String(taskId)], {
    ...env,
    TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert,
    TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKey,
  });
  expectOk(withCert);

  const missingKey = await runCli(['status', String(taskId)], {
    ...env,
    TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert,
  });
  expect(missingKey.code).toBe(1);
  expect(missingKey.stderr).toContain('TemporalConfigError');

  const missingFile = await runCli(['status', String(taskId)], {
    ...env,
    TEMPORAL_TLS_CLIENT_CERT_PATH: join(certs.dir, 'nope.pem'),
    TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKey,
  });
  expect(missingFile.code).toBe(1);
  expect(missingFile.stderr).toContain('TemporalConfigError');
  expect(missingFile.stderr).toContain('nope.pem');
});

test('API key from a temporal CLI profile reaches the server as a bearer token and is never printed', async () => {
  const file = join(certs.dir, 'temporal.toml');
  writeFileSync(
    file,
    `[profile.cloud]\naddress = "${keyed.address}"\nnamespace = "default"\napi_key = "${API_KEY}"\n` +
      `[profile.cloud.tls]\nserver_ca_cert_path = "${certs.caCert}"\n`,
  );
  const env = { ...base(), TEMPORAL_CONFIG_FILE: file };
  const r = await runCli(
    ['status', String(taskId), '--temporal-profile', 'cloud', '--log-level', 'debug'],
    env,
  );
  expectOk(r);
  expect(keyed.authorizations).toContain(`Bearer ${API_KEY}`);
  expect(r.stdout + r.stderr).not.toContain(API_KEY);

  const wrongKey = await runCli(['status', String(taskId), '--temporal-profile', 'cloud'], {
    ...env,
    TEMPORAL_API_KEY: 'not-the-key',
  });
  expect(wrongKey.code).toBe(1);
  expect(wrongKey.stderr).not.toContain('not-the-key');

  const unknown = await runCli(['status', String(taskId), '--temporal-profile', 'nope'], env);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toContain('TemporalConfigError');
  expect(unknown.stderr).toContain('nope');
});

test('a worker and the CLI over mTLS run a migration to the end; a worker with an untrusted CA exits at once', async () => {
  const env = {
    ...base(),
    TEMPORAL_ADDRESS: mtls.address,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caCert,
    TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert,
    TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKey,
  };
  const worker = startCli(['worker', '--concurrency', '2'], env);
  try {
    await waitFor(() => worker.output().includes('worker ready'), 60_000, 'worker ready');
    const r = await runCli(
      ['migrate', configFile(localfs), configFile(stores.db2()), '--dontask', '--page-size', '10'],
      env,
      150_000,
    );
    expectOk(r);
    expect(r.stderr + r.stdout).toContain('mTLS');
    const moved = await catalog.pool.query(
      `SELECT count(*)::int AS n FROM archive_metadata WHERE content_url LIKE 'db2://%'`,
    );
    expect(moved.rows[0].n).toBe(fixture.length);
  } finally {
    await worker.stop();
  }

  const untrusted = startCli(['worker'], { ...env, TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.otherCaCert });
  const code = await Promise.race([
    new Promise<number | null>((resolve) => untrusted.child.once('exit', resolve)),
    new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), 30_000)),
  ]);
  await untrusted.stop();
  expect(code).toBe(1);
  expect(untrusted.output()).toContain('TemporalTlsError');
});
