import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCatalogPool, resolveCatalogUrl } from '../../src/catalog';
import {
  parseConnectionSettings,
  tlsOptions,
  withEnvironmentSettings,
} from '../../src/catalog/connection-settings';
import { poolerConnectError, tlsConnectError } from '../../src/catalog/connect-errors';

const BASE = 'postgresql://anchore:pw@db.example:5432/anchore';
const dir = mkdtempSync(join(tmpdir(), 'aos-tls-unit-'));
const CA = join(dir, 'ca.pem');
writeFileSync(CA, '-----BEGIN CERTIFICATE-----\nnot really\n-----END CERTIFICATE-----\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const optionsOf = (query: string): ReturnType<typeof tlsOptions> =>
  tlsOptions(parseConnectionSettings(`${BASE}${query}`));

const thrownName = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    return (err as Error).name;
  }
  return 'nothing thrown';
};

describe('sslmode with libpq meanings', () => {
  test('no sslmode and disable: no TLS', () => {
    expect(optionsOf('')).toBe(false);
    expect(optionsOf('?sslmode=disable')).toBe(false);
  });

  test('require: encrypted, the certificate not checked', () => {
    expect(optionsOf('?sslmode=require')).toEqual({ rejectUnauthorized: false });
  });

  test('require with a root certificate checks the chain, as libpq does (verify-ca)', () => {
    const o = optionsOf(`?sslmode=require&sslrootcert=${CA}`);
    expect(o).toMatchObject({ ca: expect.stringContaining('not really') });
    expect(o && o.rejectUnauthorized).not.toBe(false);
    expect(o && o.checkServerIdentity?.('db.example', {} as never)).toBeUndefined();
  });

  test('verify-ca: the chain against the CA file, not the host name', () => {
    const o = optionsOf(`?sslmode=verify-ca&sslrootcert=${CA}`);
    expect(o && o.ca).toContain('not really');
    expect(o && o.rejectUnauthorized).not.toBe(false);
    expect(typeof (o && o.checkServerIdentity)).toBe('function');
  });

  test('verify-full: chain and host name (Node checks the name unless told not to)', () => {
    const o = optionsOf(`?sslmode=verify-full&sslrootcert=${CA}`);
    expect(o).toEqual({ ca: expect.stringContaining('not really'), rejectUnauthorized: true });
    expect(optionsOf('?sslmode=verify-full&sslrootcert=system')).toEqual({ rejectUnauthorized: true });
  });

  test("pg's own ssl switch keeps its meaning: ssl=true verifies, ssl=no-verify does not", () => {
    expect(optionsOf('?ssl=true')).toEqual({ rejectUnauthorized: true });
    expect(optionsOf('?ssl=no-verify')).toEqual({ rejectUnauthorized: false });
    expect(optionsOf('?ssl=false')).toBe(false);
  });

  test('prefer, allow and unknown modes are refused with a named error', () => {
    expect(thrownName(() => optionsOf('?sslmode=prefer'))).toBe('CatalogTlsSettingsError');
    expect(thrownName(() => optionsOf('?sslmode=allow'))).toBe('CatalogTlsSettingsError');
    expect(thrownName(() => optionsOf('?sslmode=verify_full'))).toBe('CatalogTlsSettingsError');
  });

  test('an unreadable CA file is a named error naming the file', () => {
    let err: Error | undefined;
    try {
      optionsOf('?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem');
    } catch (e) {
      err = e as Error;
    }
    expect(err?.name).toBe('CatalogTlsSettingsError');
    expect(err?.message).toContain('/nonexistent/ca.pem');
  });

  test('pg gets the URL without our parameters, every other parameter kept', () => {
    const s = parseConnectionSettings(
      `${BASE}?sslmode=verify-full&application_name=x&sslrootcert=${CA}&aws_iam_auth=true&aws_region=eu-west-1`,
    );
    expect(s.connectionString).toBe(`${BASE}?application_name=x`);
    expect(s).toMatchObject({
      sslmode: 'verify-full',
      sslrootcert: CA,
      iamAuth: true,
      awsRegion: 'eu-west-1',
    });
    expect(parseConnectionSettings(BASE).connectionString).toBe(BASE);
  });
});

describe('settings from the environment (Anchore chart names)', () => {
  test('ANCHORE_DB_SSL=true with mode and root certificate as the chart sets them', () => {
    const url = withEnvironmentSettings(BASE, {
      ANCHORE_DB_SSL: 'true',
      ANCHORE_DB_SSL_MODE: 'verify-ca',
      ANCHORE_DB_SSL_ROOT_CERT: CA,
    });
    expect(parseConnectionSettings(url)).toMatchObject({ sslmode: 'verify-ca', sslrootcert: CA });
  });

  test('ANCHORE_DB_SSL=false wins over the mode the chart sets anyway; "null" root certificate is none', () => {
    const url = withEnvironmentSettings(BASE, {
      ANCHORE_DB_SSL: 'false',
      ANCHORE_DB_SSL_MODE: 'verify-full',
      ANCHORE_DB_SSL_ROOT_CERT: 'null',
    });
    expect(parseConnectionSettings(url)).toMatchObject({ sslmode: 'disable' });
    expect(parseConnectionSettings(url).sslrootcert).toBeUndefined();
  });

  test("ANCHORE_DB_SSL=true alone is the chart's default mode, verify-full", () => {
    const url = withEnvironmentSettings(BASE, { ANCHORE_DB_SSL: 'true' });
    expect(parseConnectionSettings(url).sslmode).toBe('verify-full');
  });

  test("the URL's own parameters win over the environment; PGSSLMODE is the last resort", () => {
    const env = { ANCHORE_DB_SSL_MODE: 'verify-full', PGSSLMODE: 'require' };
    expect(parseConnectionSettings(withEnvironmentSettings(`${BASE}?sslmode=require`, env)).sslmode).toBe(
      'require',
    );
    expect(parseConnectionSettings(withEnvironmentSettings(BASE, { PGSSLMODE: 'require' })).sslmode).toBe(
      'require',
    );
  });

  test('resolveCatalogUrl adds them to every source of the URL, ANCHORE_DB_HOST included', () => {
    const env = {
      ANCHORE_DB_HOST: 'db.example',
      ANCHORE_DB_USER: 'anchore',
      ANCHORE_DB_PASSWORD: 'p@ss',
      ANCHORE_DB_NAME: 'anchore',
      ANCHORE_DB_SSL: 'true',
      ANCHORE_DB_SSL_MODE: 'require',
      ANCHORE_DB_IAM_AUTH: 'true',
    };
    const fromHost = parseConnectionSettings(resolveCatalogUrl(undefined, env).url);
    expect(fromHost).toMatchObject({ sslmode: 'require', iamAuth: true });
    const fromFlag = parseConnectionSettings(resolveCatalogUrl(BASE, env).url);
    expect(fromFlag).toMatchObject({ sslmode: 'require', iamAuth: true });
  });

  test('a value that is not a boolean is a named error', () => {
    expect(thrownName(() => withEnvironmentSettings(BASE, { ANCHORE_DB_SSL: 'maybe' }))).toBe(
      'CatalogTlsSettingsError',
    );
  });
});

describe('connection failures get named errors', () => {
  const settings = parseConnectionSettings(`${BASE}?sslmode=verify-full&sslrootcert=${CA}`);
  const named = (err: unknown, s = settings): string | undefined =>
    tlsConnectError(err, s, 'db.example:5432/anchore')?.name;

  test('certificate verification failures', () => {
    const err = Object.assign(new Error('self-signed certificate in certificate chain'), {
      code: 'SELF_SIGNED_CERT_IN_CHAIN',
    });
    expect(named(err)).toBe('CatalogCertificateUntrustedError');
    expect(tlsConnectError(err, settings, 'w')?.message).toContain(CA);
    expect(named(Object.assign(new Error('expired'), { code: 'CERT_HAS_EXPIRED' }))).toBe(
      'CatalogCertificateUntrustedError',
    );
  });

  test('host name mismatch, a server without TLS, a server that requires it', () => {
    const altname = Object.assign(new Error("Hostname/IP does not match certificate's altnames"), {
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
    expect(named(altname)).toBe('CatalogHostnameMismatchError');
    expect(named(new Error('The server does not support SSL connections'))).toBe(
      'CatalogServerWithoutTlsError',
    );
    const hba = Object.assign(
      new Error('no pg_hba.conf entry for host "10.0.0.1", user "a", database "b", no encryption'),
      { code: '28000' },
    );
    expect(named(hba, parseConnectionSettings(BASE))).toBe('CatalogTlsRequiredError');
  });

  test('an authentication refusal is an IAM error only with IAM on', () => {
    const pam = Object.assign(new Error('PAM authentication failed for user "a"'), { code: '28P01' });
    expect(named(pam, parseConnectionSettings(`${BASE}?sslmode=require&aws_iam_auth=1`))).toBe(
      'CatalogIamAuthError',
    );
    expect(named(pam, parseConnectionSettings(`${BASE}?sslmode=require`))).toBeUndefined();
    expect(named(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBeUndefined();
  });
});

test("PgBouncer's refusal of a startup parameter names the setting and the fix", () => {
  const err = Object.assign(new Error('unsupported startup parameter: lock_timeout'), { code: '08P01' });
  const named = poolerConnectError(err, 'bouncer:6432/anchore');
  expect(named?.name).toBe('CatalogPoolerSettingsError');
  expect(named?.message).toContain('ignore_startup_parameters');
  expect(named?.message).toContain('lock_timeout');
  expect(poolerConnectError(new Error('connection refused'), 'w')).toBeUndefined();
});

test("sslnegotiation=direct (PostgreSQL 17) keeps the sslmode's meaning and needs TLS", async () => {
  const s = parseConnectionSettings(`${BASE}?sslmode=require&sslnegotiation=direct`);
  expect(s).toMatchObject({ sslmode: 'require', sslnegotiation: 'direct', connectionString: BASE });
  const pool = createCatalogPool(`${BASE}?sslmode=require&sslnegotiation=direct`, 1);
  expect((pool as unknown as { options: Record<string, unknown> }).options).toMatchObject({
    ssl: { rejectUnauthorized: false },
    sslnegotiation: 'direct',
  });
  await pool.end();
  expect(thrownName(() => createCatalogPool(`${BASE}?sslnegotiation=direct`, 1))).toBe(
    'CatalogTlsSettingsError',
  );
});
