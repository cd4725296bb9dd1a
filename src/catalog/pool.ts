/**
 * Catalog connection: `--db-connect URL`, else `ANCHORE_DB_CONNECT`, else the `ANCHORE_DB_*` variables Anchore's
 * own config template uses. SQLAlchemy-style URLs (`postgresql+pg8000://`) are accepted.
 */
import { Pool } from 'pg';
import { CatalogError } from '../errors';

/** Where the catalog connection string came from, for messages. */
export interface CatalogConnection {
  readonly url: string;
  readonly source: string;
}

/** Resolves the catalog URL, or throws a CatalogError telling the operator how to provide it. */
export function resolveCatalogUrl(flag: string | undefined, env: NodeJS.ProcessEnv): CatalogConnection {
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

/** Creates a pool. Connections are made lazily; call {@link checkCatalog} to fail fast with a named error. */
export function createCatalogPool(url: string, max = 10, limits?: SessionLimits): Pool {
  const pool = new Pool({
    connectionString: pgUrl(url),
    max,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    ...(limits && {
      lock_timeout: limits.lockTimeoutMs,
      statement_timeout: limits.statementTimeoutMs,
      idle_in_transaction_session_timeout: limits.idleInTransactionMs,
    }),
  });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  return pool;
}

/** The pool of a worker: sessions bounded by `limits` ({@link WORKER_SESSION_LIMITS}). */
export function createWorkerPool(url: string, max: number, limits = WORKER_SESSION_LIMITS): Pool {
  return createCatalogPool(url, max, limits);
}

/** Maps a pg connection failure to a CatalogError that says what to do. */
export function catalogConnectError(err: unknown, url: string): CatalogError {
  const e = err as { code?: string; message?: string };
  const where = catalogEndpoint(url);
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
