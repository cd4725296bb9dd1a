/**
 * TLS and authentication settings of the catalog connection, with libpq's meanings (docs/managed-postgresql.md).
 * node-postgres gives `sslmode` meanings of its own (pg-connection-string 2.x treats `require` and `verify-ca`
 * as `verify-full`), so these query parameters are taken out of the URL and turned into pg's `ssl` option here.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { CatalogTlsSettingsError } from '../errors';

/** The sslmodes we accept, with libpq's meanings. */
export const SSL_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** Query parameters of a catalog URL that we interpret instead of pg. */
const OUR_PARAMS = [
  'sslmode',
  'sslrootcert',
  'sslcert',
  'sslkey',
  'ssl',
  'sslnegotiation',
  'uselibpqcompat',
  'aws_iam_auth',
  'aws_region',
] as const;

/** What a catalog URL asks of the connection, beyond what pg reads from it itself. */
export interface CatalogConnectionSettings {
  /** The URL pg gets: our parameters taken out, everything else as written. */
  readonly connectionString: string;
  /** `disable` when the URL names none (node-postgres' default, kept). */
  readonly sslmode: SslMode;
  /** CA certificates (PEM file) the server's certificate must chain to; `system`: Node's trusted CAs. */
  readonly sslrootcert?: string;
  /** Client certificate and key (PEM files), for servers that ask for one. */
  readonly sslcert?: string;
  readonly sslkey?: string;
  /** PostgreSQL 17's TLS handshake without the SSLRequest round trip (`direct`); pg's default is `postgres`. */
  readonly sslnegotiation?: 'postgres' | 'direct';
  /** RDS IAM authentication: a token from the AWS credential chain is the password. */
  readonly iamAuth: boolean;
  /** Region of the RDS instance for its tokens; the AWS SDK's own resolution when absent. */
  readonly awsRegion?: string;
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/** A boolean setting (`true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`); undefined when unset or empty. */
export function booleanSetting(name: string, value: string | null | undefined): boolean | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const v = value.toLowerCase();
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  throw new CatalogTlsSettingsError(`${name}=${value} is not a boolean: use true or false`);
}

/** The query string of a URL, parsed (a password may hold characters `new URL` refuses, so split by hand). */
function queryOf(url: string): { head: string; params: URLSearchParams } {
  const q = url.indexOf('?');
  if (q < 0) return { head: url, params: new URLSearchParams() };
  return { head: url.slice(0, q), params: new URLSearchParams(url.slice(q + 1)) };
}

function sslModeOf(params: URLSearchParams): SslMode {
  const mode = params.get('sslmode');
  if (mode === null || mode === '') {
    // node-postgres' own switch: ssl=true verified the server against Node's CAs, ssl=no-verify did not.
    const ssl = params.get('ssl');
    if (ssl === 'no-verify') return 'require';
    return booleanSetting('ssl', ssl) ? 'verify-full' : 'disable';
  }
  if (mode === 'no-verify') return 'require';
  if ((SSL_MODES as readonly string[]).includes(mode)) return mode as SslMode;
  if (mode === 'prefer' || mode === 'allow') {
    throw new CatalogTlsSettingsError(
      `sslmode=${mode} falls back to an unencrypted connection without saying so, which this tool does not do: ` +
        'use sslmode=require (encrypt), verify-ca or verify-full (encrypt and check the server), or disable',
    );
  }
  throw new CatalogTlsSettingsError(
    `unknown sslmode=${mode}: use one of ${SSL_MODES.join(', ')} (libpq's meanings)`,
  );
}

function negotiationOf(value: string | null): { sslnegotiation?: 'postgres' | 'direct' } {
  if (!value) return {};
  if (value === 'postgres' || value === 'direct') return { sslnegotiation: value };
  throw new CatalogTlsSettingsError(`unknown sslnegotiation=${value}: use postgres or direct`);
}

/** Reads the TLS settings out of a catalog URL (already `postgresql://`), leaving pg the rest. */
export function parseConnectionSettings(url: string): CatalogConnectionSettings {
  const { head, params } = queryOf(url);
  const present = OUR_PARAMS.filter((p) => params.has(p));
  const value = (name: string): string | undefined => params.get(name) || undefined;
  const settings = {
    sslmode: sslModeOf(params),
    ...(value('sslrootcert') ? { sslrootcert: value('sslrootcert') } : {}),
    ...(value('sslcert') ? { sslcert: value('sslcert') } : {}),
    ...(value('sslkey') ? { sslkey: value('sslkey') } : {}),
    ...negotiationOf(params.get('sslnegotiation')),
    iamAuth: booleanSetting('aws_iam_auth', params.get('aws_iam_auth')) ?? false,
    ...(value('aws_region') ? { awsRegion: value('aws_region') } : {}),
  };
  if (present.length === 0) return { connectionString: url, ...settings };
  for (const p of present) params.delete(p);
  const rest = params.toString();
  return { connectionString: rest ? `${head}?${rest}` : head, ...settings };
}

function readPem(file: string, setting: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new CatalogTlsSettingsError(
      `cannot read ${setting} ${file} (${(err as Error).message}): give the path of a PEM file this process can read`,
      { cause: err },
    );
  }
}

/** pg's `ssl` option for the settings: false, or what tls.connect is given. Reads the PEM files now. */
export function tlsOptions(s: CatalogConnectionSettings): false | ConnectionOptions {
  if (s.sslmode === 'disable') return false;
  const ca = s.sslrootcert && s.sslrootcert !== 'system' ? readPem(s.sslrootcert, 'sslrootcert') : undefined;
  const client = {
    ...(s.sslcert ? { cert: readPem(s.sslcert, 'sslcert') } : {}),
    ...(s.sslkey ? { key: readPem(s.sslkey, 'sslkey') } : {}),
  };
  // Checks the chain, not the name: verify-ca, and require given a root certificate (as libpq does then).
  const chainOnly = { ...client, ...(ca ? { ca } : {}), checkServerIdentity: () => undefined };
  switch (s.sslmode) {
    case 'require':
      return ca ? chainOnly : { ...client, rejectUnauthorized: false };
    case 'verify-ca':
      return chainOnly;
    case 'verify-full':
      return { ...client, ...(ca ? { ca } : {}), rejectUnauthorized: true };
  }
}

/** The settings as query parameters (the ones the environment supplies), for {@link withEnvironmentSettings}. */
interface EnvironmentSettings {
  sslmode?: string;
  sslrootcert?: string;
  aws_iam_auth?: string;
}

/** `null` is what Anchore's chart (≤ 3.x) writes into ANCHORE_DB_SSL_ROOT_CERT when no CA file is configured. */
const unset = (v: string | undefined): string | undefined => (v && v !== 'null' ? v : undefined);

/**
 * The TLS and IAM settings the environment gives: Anchore's chart variables first (ANCHORE_DB_SSL,
 * ANCHORE_DB_SSL_MODE, ANCHORE_DB_SSL_ROOT_CERT: the chart sets the mode even with SSL off, so ANCHORE_DB_SSL=false
 * wins over it), then libpq's PGSSLMODE/PGSSLROOTCERT; ANCHORE_DB_IAM_AUTH for RDS IAM authentication.
 */
export function environmentSettings(env: NodeJS.ProcessEnv): EnvironmentSettings {
  const ssl = booleanSetting('ANCHORE_DB_SSL', env.ANCHORE_DB_SSL);
  const out: EnvironmentSettings = {};
  if (ssl === false) out.sslmode = 'disable';
  else {
    // The chart's default sslMode is verify-full: ANCHORE_DB_SSL=true alone means that.
    const mode = unset(env.ANCHORE_DB_SSL_MODE) ?? (ssl ? 'verify-full' : unset(env.PGSSLMODE));
    if (mode) out.sslmode = mode;
    const root = unset(env.ANCHORE_DB_SSL_ROOT_CERT) ?? unset(env.PGSSLROOTCERT);
    if (root) out.sslrootcert = root;
  }
  if (booleanSetting('ANCHORE_DB_IAM_AUTH', env.ANCHORE_DB_IAM_AUTH)) out.aws_iam_auth = 'true';
  return out;
}

/**
 * `url` with the environment's settings added where the URL has none of its own (libpq's precedence: the
 * connection string first), so that every pool built from the URL, in this process or a worker it starts,
 * connects the same way.
 */
export function withEnvironmentSettings(url: string, env: NodeJS.ProcessEnv): string {
  const { params } = queryOf(url);
  const fromEnv = environmentSettings(env);
  const add = new URLSearchParams();
  const urlChoosesTls = params.has('sslmode') || params.has('ssl');
  if (fromEnv.sslmode && !urlChoosesTls) add.set('sslmode', fromEnv.sslmode);
  if (fromEnv.sslrootcert && !params.has('sslrootcert')) add.set('sslrootcert', fromEnv.sslrootcert);
  if (fromEnv.aws_iam_auth && !params.has('aws_iam_auth')) add.set('aws_iam_auth', fromEnv.aws_iam_auth);
  const extra = add.toString();
  if (!extra) return url;
  return `${url}${url.includes('?') ? '&' : '?'}${extra}`;
}
