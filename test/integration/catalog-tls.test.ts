/**
 * The catalog connection over TLS with libpq's sslmode meanings, against a PostgreSQL 15 of this test's own that
 * accepts TCP clients only with TLS (hostssl). Every failure must be the named error that says what to change.
 */
import { createServer, type Server } from 'node:net';
import { checkCatalog, createCatalogPool, createWorkerPool, resolveCatalogUrl } from '../../src/catalog';
import { ANCHORE_SCHEMA_SQL } from '../../src/catalog/schema';
import { createDbDriver } from '../../src/drivers/db';
import { runCli } from '../helpers/cli';
import { startTlsPostgres, type TlsPostgres } from '../helpers/tls-postgres';
import { configFile, stores } from '../helpers/world';

jest.setTimeout(120_000);

let pg: TlsPostgres;

beforeAll(async () => {
  pg = await startTlsPostgres();
  await pg.admin((c) => c.query(`SET ROLE ${pg.user}; ${ANCHORE_SCHEMA_SQL}`), pg.database);
});
afterAll(async () => {
  await pg?.stop();
});

/** Connects like every command does (pool, then the catalog check) and says whether the session is encrypted. */
async function connect(url: string, opts: Parameters<typeof createCatalogPool>[3] = {}): Promise<boolean> {
  const pool = createCatalogPool(url, 2, undefined, opts);
  try {
    await checkCatalog(pool, url);
    const r = await pool.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    return r.rows[0]?.ssl === true;
  } finally {
    await pool.end();
  }
}

async function failure(url: string): Promise<Error> {
  try {
    await connect(url);
  } catch (err) {
    return err as Error;
  }
  throw new Error(`connecting with ${url} succeeded`);
}

test('require: encrypted without checking the certificate (its CA is not trusted, its name not ours)', async () => {
  expect(await connect(pg.url('?sslmode=require'))).toBe(true);
  expect(await connect(pg.url('?sslmode=require', '127.0.0.2'))).toBe(true);
});

test('verify-full with the CA that signed the server certificate', async () => {
  expect(await connect(pg.url(`?sslmode=verify-full&sslrootcert=${pg.caFile}`))).toBe(true);
});

test('verify-full with another CA: CatalogCertificateUntrustedError naming the CA file', async () => {
  const err = await failure(pg.url(`?sslmode=verify-full&sslrootcert=${pg.otherCaFile}`));
  expect(err.name).toBe('CatalogCertificateUntrustedError');
  expect(err.message).toContain(pg.otherCaFile);
  expect(err.message).toContain('sslrootcert');
});

test('require given a root certificate checks the chain, as libpq does', async () => {
  const err = await failure(pg.url(`?sslmode=require&sslrootcert=${pg.otherCaFile}`));
  expect(err.name).toBe('CatalogCertificateUntrustedError');
  expect(await connect(pg.url(`?sslmode=require&sslrootcert=${pg.caFile}`))).toBe(true);
});

test('verify-full to an address the certificate does not name: CatalogHostnameMismatchError', async () => {
  const err = await failure(pg.url(`?sslmode=verify-full&sslrootcert=${pg.caFile}`, '127.0.0.2'));
  expect(err.name).toBe('CatalogHostnameMismatchError');
  expect(err.message).toContain('verify-ca');
  // verify-ca checks only the chain: the same address is accepted.
  expect(await connect(pg.url(`?sslmode=verify-ca&sslrootcert=${pg.caFile}`, '127.0.0.2'))).toBe(true);
});

test('sslmode=disable (or none) against a server that takes only TLS: CatalogTlsRequiredError', async () => {
  for (const query of ['?sslmode=disable', '']) {
    const err = await failure(pg.url(query));
    expect(err.name).toBe('CatalogTlsRequiredError');
    expect(err.message).toContain('sslmode=require');
  }
});

test('a server that does not offer TLS: CatalogServerWithoutTlsError', async () => {
  // What PostgreSQL with ssl=off answers to the SSLRequest: a single 'N'.
  const noTls: Server = createServer((socket) => {
    socket.once('data', () => socket.end('N'));
  });
  await new Promise<void>((r) => noTls.listen(0, '127.0.0.1', () => r()));
  const address = noTls.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  try {
    const err = await failure(`postgresql://u:p@127.0.0.1:${port}/db?sslmode=require`);
    expect(err.name).toBe('CatalogServerWithoutTlsError');
  } finally {
    await new Promise((r) => noTls.close(r));
  }
});

test("settings from Anchore's chart variables apply to a URL without its own", async () => {
  const env = {
    ANCHORE_DB_CONNECT: pg.url(''),
    ANCHORE_DB_SSL: 'true',
    ANCHORE_DB_SSL_MODE: 'verify-full',
    ANCHORE_DB_SSL_ROOT_CERT: pg.caFile,
  };
  expect(await connect(resolveCatalogUrl(undefined, env).url)).toBe(true);
  const wrong = resolveCatalogUrl(undefined, { ...env, ANCHORE_DB_SSL_ROOT_CERT: pg.otherCaFile }).url;
  expect((await failure(wrong)).name).toBe('CatalogCertificateUntrustedError');
});

test('worker pools, read-only pools and COPY BINARY reads use the same TLS settings', async () => {
  const url = pg.url(`?sslmode=verify-full&sslrootcert=${pg.caFile}`);
  expect(await connect(url, { readOnly: true })).toBe(true);
  const worker = createWorkerPool(url, 2);
  try {
    const db = createDbDriver(worker); // its reads are binary COPY on a client of the pool
    const uri = await db.put({ userId: 'u', bucket: 'b', key: 'k' }, Buffer.from('over tls'));
    expect((await db.get(uri)).toString()).toBe('over tls');
    const r = await worker.query<{ ssl: boolean }>(
      'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
    );
    expect(r.rows[0]?.ssl).toBe(true);
  } finally {
    await worker.end();
  }
  const wrongWorker = createWorkerPool(pg.url(`?sslmode=verify-full&sslrootcert=${pg.otherCaFile}`), 2);
  await expect(checkCatalog(wrongWorker, url)).rejects.toMatchObject({
    name: 'CatalogCertificateUntrustedError',
  });
  await wrongWorker.end();
});

test('IAM authentication: the token is the password of every new connection, over TLS', async () => {
  let signed = 0;
  const sign = async (): Promise<string> => {
    signed += 1;
    return pg.password; // what RDS accepts is a signed token; this server accepts the role's password
  };
  const url = pg.url('?sslmode=require&aws_iam_auth=true', '127.0.0.1', false);
  const pool = createCatalogPool(url, 3, undefined, { iamSigner: sign });
  try {
    await checkCatalog(pool, url);
    const clients = await Promise.all([pool.connect(), pool.connect(), pool.connect()]);
    for (const c of clients) c.release();
    expect(signed).toBe(1);
  } finally {
    await pool.end();
  }
  const refused = createCatalogPool(url, 1, undefined, { iamSigner: async () => 'not-the-token' });
  await expect(checkCatalog(refused, url)).rejects.toMatchObject({ name: 'CatalogIamAuthError' });
  await refused.end();
});

test('the CLI reports a wrong CA with the named error and exit code 1', async () => {
  const files = [configFile(stores.db()), configFile(stores.localfs())];
  const ok = await runCli(['plan', ...files], {
    ANCHORE_DB_CONNECT: pg.url(''),
    ANCHORE_DB_SSL: 'true',
    ANCHORE_DB_SSL_ROOT_CERT: pg.caFile,
  });
  expect(ok.stderr).toBe('');
  expect(ok.code).toBe(0);
  const wrong = await runCli(['plan', ...files], {
    ANCHORE_DB_CONNECT: pg.url(`?sslmode=verify-full&sslrootcert=${pg.otherCaFile}`),
  });
  expect(wrong.code).toBe(1);
  expect(wrong.stderr).toContain('error: CatalogCertificateUntrustedError:');
  expect(wrong.stderr).not.toContain(pg.password);
});
