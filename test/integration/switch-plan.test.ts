/**
 * switchMetadata probes archive_metadata by primary key for a page of keys, where PostgreSQL's default plan
 * hashes the whole table, and leaves the transaction's planner settings as they were. Plans are read from
 * auto_explain on the real PostgreSQL (its LOG lines reach the client as notices).
 */
import type { NoticeMessage } from 'pg-protocol/dist/messages';
import type { PoolClient } from 'pg';
import { inTransaction, switchMetadata, switchParams, SWITCH_METADATA_SQL } from '../../src/catalog';
import { createTestCatalog, type TestCatalog } from '../helpers/catalog-db';

const ROWS = 4000;
const KEYS = 500;

let catalog: TestCatalog;

beforeAll(async () => {
  catalog = await createTestCatalog();
  await catalog.pool.query(
    `INSERT INTO archive_metadata (bucket, "archiveId", "userId", "documentName", content_url, size)
     SELECT 'b' || (i % 5), md5(i::text), 'u' || (i % 3), md5(i::text) || '.json', 's3://a/' || md5(i::text), 100
     FROM generate_series(1, ${ROWS}) AS i`,
  );
  await catalog.pool.query('ANALYZE archive_metadata');
});
afterAll(async () => {
  await catalog?.drop();
});

interface Row {
  bucket: string;
  archiveId: string;
  userId: string;
  documentName: string;
  content_url: string;
}
const firstRows = async (): Promise<Row[]> =>
  (
    await catalog.pool.query<Row>(
      `SELECT bucket, "archiveId", "userId", "documentName", content_url FROM archive_metadata
       ORDER BY bucket, "archiveId" LIMIT ${KEYS}`,
    )
  ).rows;

/** Runs `fn` in a transaction whose statements' plans are collected (the SET LOCALs end with it). */
async function withPlans<T>(fn: (client: PoolClient) => Promise<T>): Promise<{ result: T; plans: string[] }> {
  const plans: string[] = [];
  const result = await inTransaction(catalog.pool, async (client) => {
    const onNotice = (n: NoticeMessage): void => void plans.push(n.message ?? '');
    client.on('notice', onNotice);
    try {
      await client.query(
        "LOAD 'auto_explain'; SET LOCAL auto_explain.log_min_duration = 0; SET LOCAL client_min_messages = log",
      );
      return await fn(client);
    } finally {
      client.removeListener('notice', onNotice);
    }
  });
  return { result, plans: plans.filter((p) => p.includes('UPDATE archive_metadata')) };
}

const switchesOf = (rows: Row[], to: string) =>
  rows.map((r) => ({
    ...r,
    sourceUrl: r.content_url,
    destUrl: `${to}${r.archiveId}`,
    digest: 'x',
    size: 100,
    isCompressed: false,
  }));

test('a page of switches probes archive_metadata by key; the default plan hashes the whole table', async () => {
  const rows = await firstRows();
  const s = switchesOf(rows, 's3://b/');
  // What PostgreSQL does on its own with the same statement (the reason for the probe settings).
  const plain = await catalog.pool.query<{ 'QUERY PLAN': string }>(
    `EXPLAIN ${SWITCH_METADATA_SQL}`,
    switchParams(s),
  );
  expect(plain.rows.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/Hash Join|Merge Join/);

  const ours = await withPlans(async (client) => {
    const switched = await switchMetadata(client, s);
    const settings = await client.query<{ h: string; m: string }>(
      "SELECT current_setting('enable_hashjoin') AS h, current_setting('enable_mergejoin') AS m",
    );
    return { switched: switched.length, settings: settings.rows[0] };
  });
  expect(ours.result.switched).toBe(KEYS);
  expect(ours.result.settings).toEqual({ h: 'on', m: 'on' });
  const plan = ours.plans.join('\n');
  expect(plan).toContain('Index Scan using archive_metadata_pkey');
  expect(plan).not.toMatch(/Hash Join|Merge Join|Seq Scan/);
  const moved = await catalog.pool.query(
    `SELECT count(*)::int AS n FROM archive_metadata WHERE content_url LIKE 's3://b/%'`,
  );
  expect(moved.rows[0].n).toBe(KEYS);
});
