/** The bench's own catalog databases: created with Anchore's tables, filled by SQL, dropped at the end. */
import { randomBytes } from 'node:crypto';
import { Client, type Pool } from 'pg';
import { createAnchoreSchema, createCatalogPool } from '../src/catalog';
import { insertSql, type SizeMix } from './dataset';

export interface BenchCatalog {
  readonly name: string;
  readonly url: string;
  readonly pool: Pool;
  drop(): Promise<void>;
}

async function admin<T>(adminUrl: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: adminUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export async function createCatalog(adminUrl: string, label: string): Promise<BenchCatalog> {
  const name = `aos_bench_${label}_${randomBytes(3).toString('hex')}`;
  await admin(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const pool = createCatalogPool(url.toString());
  await createAnchoreSchema(pool);
  return {
    name,
    url: url.toString(),
    pool,
    async drop() {
      await pool.end();
      await admin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/** Fills documents 0..count-1 in statements of about 256 MiB (or 20k rows); returns seconds taken. */
export async function fillCatalog(
  cat: BenchCatalog,
  count: number,
  mix: SizeMix,
  log: (m: string) => void,
): Promise<number> {
  const started = Date.now();
  const step = mix === 'small' ? 20_000 : 5_000;
  const epoch = Math.floor(Date.now() / 1000);
  for (let from = 0; from < count; from += step) {
    const to = Math.min(count, from + step);
    await cat.pool.query(insertSql(mix, from, to, epoch));
    if (to === count || (to / step) % 10 === 0) log(`  ${cat.name}: ${to}/${count} documents`);
  }
  await cat.pool.query('ANALYZE archive_metadata');
  await cat.pool.query('ANALYZE archive_document');
  return (Date.now() - started) / 1000;
}

/** Totals of the catalog's stored bytes. */
export async function catalogTotals(cat: BenchCatalog): Promise<{ documents: number; bytes: number }> {
  const r = await cat.pool.query<{ n: string; b: string | null }>(
    'SELECT count(*) AS n, sum(size) AS b FROM archive_metadata',
  );
  return { documents: Number(r.rows[0]?.n ?? 0), bytes: Number(r.rows[0]?.b ?? 0) };
}

/**
 * Pays a phase's PostgreSQL debts before the next phase is timed: dead rows (db→s3 deletes gigabytes of bodies),
 * stale statistics and dirty buffers. Without it autovacuum and the checkpointer ran during the following phase
 * and were counted as its PostgreSQL CPU, on the same two cores.
 */
export async function settle(cat: BenchCatalog): Promise<void> {
  await cat.pool.query('VACUUM (ANALYZE)');
  await cat.pool.query('CHECKPOINT');
}

/** Transaction and row counters of one database (pg_stat_database), for per-phase deltas. */
export type PgCounters = Record<
  'xact_commit' | 'tup_returned' | 'tup_fetched' | 'tup_inserted' | 'tup_updated' | 'tup_deleted',
  number
>;

export async function pgCounters(cat: BenchCatalog): Promise<PgCounters> {
  // Statistics are sent to the collector asynchronously; ask for a fresh snapshot.
  await cat.pool.query('SELECT pg_stat_clear_snapshot()');
  const r = await cat.pool.query(
    `SELECT xact_commit, tup_returned, tup_fetched, tup_inserted, tup_updated, tup_deleted
     FROM pg_stat_database WHERE datname = current_database()`,
  );
  const row = r.rows[0] as Record<string, string>;
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)])) as PgCounters;
}

export function counterDelta(a: PgCounters, b: PgCounters): PgCounters {
  return Object.fromEntries(
    Object.entries(b).map(([k, v]) => [k, v - a[k as keyof PgCounters]]),
  ) as PgCounters;
}

/** Per-table scan counters (pg_stat_user_tables): which tables a phase reads by sequential scan. */
export type TableScans = Record<
  string,
  { seq_scan: number; seq_tup_read: number; idx_scan: number; idx_tup_fetch: number }
>;

export async function tableScans(cat: BenchCatalog): Promise<TableScans> {
  await cat.pool.query('SELECT pg_stat_clear_snapshot()');
  const r = await cat.pool.query<Record<string, string>>(
    `SELECT relname, seq_scan, seq_tup_read, coalesce(idx_scan, 0) AS idx_scan, coalesce(idx_tup_fetch, 0) AS idx_tup_fetch
     FROM pg_stat_user_tables`,
  );
  const out: TableScans = {};
  for (const row of r.rows)
    out[row.relname as string] = {
      seq_scan: Number(row.seq_scan),
      seq_tup_read: Number(row.seq_tup_read),
      idx_scan: Number(row.idx_scan),
      idx_tup_fetch: Number(row.idx_tup_fetch),
    };
  return out;
}

/** Tables whose counters moved between two snapshots, with the differences. */
export function scanDelta(a: TableScans, b: TableScans): TableScans {
  const out: TableScans = {};
  for (const [t, v] of Object.entries(b)) {
    const p = a[t] ?? { seq_scan: 0, seq_tup_read: 0, idx_scan: 0, idx_tup_fetch: 0 };
    const d = {
      seq_scan: v.seq_scan - p.seq_scan,
      seq_tup_read: v.seq_tup_read - p.seq_tup_read,
      idx_scan: v.idx_scan - p.idx_scan,
      idx_tup_fetch: v.idx_tup_fetch - p.idx_tup_fetch,
    };
    if (d.seq_scan || d.idx_scan) out[t] = d;
  }
  return out;
}
