/**
 * Catalog connection: `--db-connect URL`, else `ANCHORE_DB_CONNECT`, else the `ANCHORE_DB_*` variables Anchore's
 * own config template uses. SQLAlchemy-style URLs (`postgresql+pg8000://`) are accepted. TLS (`sslmode`, libpq's
 * meanings) and RDS IAM authentication come from the URL or the environment (docs/managed-postgresql.md).
 */
import { Pool, type ClientConfig, type PoolConfig } from 'pg';
import { parseIntoClientConfig } from 'pg-connection-string';
import { registerSecret } from '../config/redact';
import { CatalogError, CatalogIamAuthError, CatalogTlsSettingsError, IamAuthNeedsTlsError } from '../errors';
import { poolerConnectError, tlsConnectError } from './connect-errors';
import {
  parseConnectionSettings,
  tlsOptions,
  withEnvironmentSettings,
  type CatalogConnectionSettings,
} from './connection-settings';
import { createIamTokenSource, rdsTokenSigner, type IamTokenTarget, type TokenSigner } from './iam-token';

/** Where the catalog connection string came from, for messages. */
export interface CatalogConnection {
  readonly url: string;
  readonly source: string;
}

/**
 * Resolves the catalog URL, or throws a CatalogError telling the operator how to provide it. The environment's
 * TLS and IAM settings (ANCHORE_DB_SSL, ANCHORE_DB_SSL_MODE, ANCHORE_DB_SSL_ROOT_CERT, ANCHORE_DB_IAM_AUTH) are
 * added to the URL where it has none of its own, so every pool made from it, here or in a worker this process
 * starts, connects the same way.
 */
export function resolveCatalogUrl(flag: string | undefined, env: NodeJS.ProcessEnv): CatalogConnection {
  const given = givenCatalogUrl(flag, env);
  return { ...given, url: withEnvironmentSettings(given.url, env) };
}

function givenCatalogUrl(flag: string | undefined, env: NodeJS.ProcessEnv): CatalogConnection {
  if (flag) return { url: flag, source: '--db-connect' };
  if (env.ANCHORE_DB_CONNECT) return { url: env.ANCHORE_DB_CONNECT, source: 'ANCHORE_DB_CONNECT' };
  if (env.ANCHORE_DB_HOST) {
    const user = encodeURIComponent(env.ANCHORE_DB_USER ?? 'postgres');
    const password = env.ANCHORE_DB_PASSWORD ? `:${encodeURIComponent(env.ANCHORE_DB_PASSWORD)}` : '';
    const url = `postgresql://${user}${password}@${env.ANCHORE_DB_HOST}:${env.ANCHORE_DB_PORT ?? '5432'}/${env.ANCHORE_DB_NAME ?? 'postgres'}`;
    return { url, source: 'ANCHORE_DB_* variables' };
  }
  throw new CatalogError(
    'no catalog database given: pass --db-connect postgresql://USER:PASSWORD@HOST:PORT/DB, or set ANCHORE_DB_CONNECT, ' +
      'or ANCHORE_DB_HOST (with ANCHORE_DB_PORT, ANCHORE_DB_USER, ANCHORE_DB_PASSWORD, ANCHORE_DB_NAME).',
  );
}

/** `postgresql+pg8000://…` → `postgresql://…`. */
export function pgUrl(url: string): string {
  return url.replace(/^postgres(ql)?\+[a-z0-9_]+:\/\//i, 'postgresql://');
}

/** The URL's TLS and IAM settings for an error message, or undefined when they do not parse. */
function connectionSettingsOf(url: string): CatalogConnectionSettings | undefined {
  try {
    return parseConnectionSettings(pgUrl(url));
  } catch {
    return undefined;
  }
}

/** Host and port of a catalog URL, for messages (never the password). */
export function catalogEndpoint(url: string): string {
  try {
    const u = new URL(pgUrl(url));
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return '<unparseable db url>';
  }
}

/** Server-side bounds of a worker's catalog sessions. */
export interface SessionLimits {
  readonly lockTimeoutMs: number;
  readonly statementTimeoutMs: number;
  readonly idleInTransactionMs: number;
}

/**
 * No statement of a page attempt outlives the attempt: a lock wait ends well within the page's retries, a
 * statement within the biggest page's work, and a transaction a frozen worker left open is ended by the server
 * (freeing its row locks and its page's fence) soon after the fence's lease ran out.
 */
export const WORKER_SESSION_LIMITS: SessionLimits = {
  lockTimeoutMs: 60_000,
  statementTimeoutMs: 600_000,
  idleInTransactionMs: 120_000,
};

/** Options of {@link createCatalogPool} beyond its size and session limits. */
export interface CatalogPoolOptions {
  /** Sessions refuse writes, server-side, for every query (`default_transaction_read_only`). */
  readonly readOnly?: boolean;
  /** Signs RDS IAM tokens instead of the AWS SDK (tests). */
  readonly iamSigner?: TokenSigner;
}

/**
 * Creates a pool. Connections are made lazily; call {@link checkCatalog} to fail fast with a named error. Throws
 * a CatalogTlsSettingsError at once for TLS settings that cannot work (an unknown sslmode, an unreadable CA file).
 */
export function createCatalogPool(
  url: string,
  max = 10,
  limits?: SessionLimits,
  opts: CatalogPoolOptions = {},
): Pool {
  const pool = new Pool({
    ...connectionConfig(url, opts),
    max,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    ...(limits && {
      lock_timeout: limits.lockTimeoutMs,
      statement_timeout: limits.statementTimeoutMs,
      idle_in_transaction_session_timeout: limits.idleInTransactionMs,
    }),
    ...(opts.readOnly && { options: '-c default_transaction_read_only=on' }),
  });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  return pool;
}

/** Where pg connects, how (TLS), and with which password (a token function with RDS IAM authentication). */
function connectionConfig(url: string, opts: CatalogPoolOptions): PoolConfig {
  const s = parseConnectionSettings(pgUrl(url));
  const ssl = tlsOptions(s);
  if (s.sslnegotiation === 'direct' && ssl === false) {
    throw new CatalogTlsSettingsError(
      'sslnegotiation=direct starts with the TLS handshake: it needs sslmode=require, verify-ca or verify-full',
    );
  }
  // Given apart from the URL: pg would read sslnegotiation=direct there as "TLS, verified" and override `ssl`.
  const tls = { ssl, ...(s.sslnegotiation ? { sslnegotiation: s.sslnegotiation } : {}) };
  if (!s.iamAuth) return { connectionString: s.connectionString, ...tls };
  if (ssl === false) {
    throw new IamAuthNeedsTlsError(
      'RDS IAM authentication sends its token as the password: it needs TLS. Add sslmode=verify-full (with ' +
        'sslrootcert=<the RDS CA bundle>) or sslmode=require to the URL, or set ANCHORE_DB_SSL_MODE',
    );
  }
  // Parsed here, not by pg: pg lets a connection string's (empty) password override the token function.
  const where = parseIntoClientConfig(s.connectionString);
  delete where.password;
  delete where.ssl;
  const sign = opts.iamSigner ?? rdsTokenSigner(iamTarget(where, s.awsRegion));
  return { ...where, ...tls, password: createIamTokenSource({ sign, onToken: registerSecret }) };
}

/** The endpoint and user an IAM token is signed for: the host, port and user pg connects with. */
function iamTarget(where: ClientConfig, region: string | undefined): IamTokenTarget {
  if (!where.host || !where.user) {
    throw new CatalogIamAuthError(
      'RDS IAM authentication needs the database user and host in the catalog URL (postgresql://USER@HOST:PORT/DB)',
    );
  }
  return {
    hostname: where.host,
    port: where.port ?? 5432,
    username: where.user,
    ...(region ? { region } : {}),
  };
}

/** The pool of a worker: sessions bounded by `limits` ({@link WORKER_SESSION_LIMITS}). */
export function createWorkerPool(url: string, max: number, limits = WORKER_SESSION_LIMITS): Pool {
  return createCatalogPool(url, max, limits);
}

/** Maps a pg connection failure to a CatalogError that says what to do. */
export function catalogConnectError(err: unknown, url: string): CatalogError {
  const e = err as { code?: string; message?: string };
  const where = catalogEndpoint(url);
  const named = tlsConnectError(err, connectionSettingsOf(url), where) ?? poolerConnectError(err, where);
  if (named) return named;
  switch (e.code) {
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
      return new CatalogError(
        `cannot reach the catalog database at ${where} (${e.code}); check --db-connect and that PostgreSQL is up`,
        { cause: err },
      );
    case '28P01':
    case '28000':
      return new CatalogError(
        `the catalog database at ${where} rejected the user or password; check --db-connect / ANCHORE_DB_PASSWORD`,
        { cause: err },
      );
    case '3D000':
      return new CatalogError(`the catalog database at ${where} does not exist`, { cause: err });
    default:
      return new CatalogError(`catalog database at ${where}: ${e.message ?? String(err)}`, { cause: err });
  }
}

/** Anchore tables the object store needs. */
export const REQUIRED_TABLES = [
  'archive_metadata',
  'archive_document',
  'object_storage',
  'tasks',
  'archive_migration_tasks',
  'services',
] as const;

/** Connects and checks that the database is an Anchore catalog the user may read; throws a CatalogError if not. */
export async function checkCatalog(pool: Pool, url: string): Promise<void> {
  let rows: Array<{ table_name: string; readable: boolean }>;
  try {
    // pg_class, not information_schema: the latter hides tables the user has no rights on, which would make
    // a user without grants look like a database without Anchore's tables.
    const res = await pool.query<{ table_name: string; readable: boolean }>(
      `SELECT c.relname AS table_name, has_table_privilege(c.oid, 'SELECT') AS readable
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname = ANY($1)`,
      [REQUIRED_TABLES],
    );
    rows = res.rows;
  } catch (err) {
    throw catalogConnectError(err, url);
  }
  const missing = REQUIRED_TABLES.filter((t) => !rows.some((r) => r.table_name === t));
  if (missing.length > 0) {
    throw new CatalogError(
      `${catalogEndpoint(url)} is not an Anchore catalog: missing table(s) ${missing.join(', ')}. Point --db-connect at the database Anchore's catalog uses.`,
    );
  }
  const unreadable = rows.filter((r) => !r.readable).map((r) => r.table_name);
  if (unreadable.length > 0) {
    throw new CatalogError(
      `the user of ${catalogEndpoint(url)} may not read Anchore's table(s) ${unreadable.join(', ')}. Connect as the ` +
        "user Anchore's catalog service uses (check --db-connect / ANCHORE_DB_USER).",
    );
  }
}
