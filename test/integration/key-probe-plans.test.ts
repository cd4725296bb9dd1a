/**
 * Page-of-keys statements probe their table by primary key, where PostgreSQL's own plan hashes the whole table
 * (metadata switch) or reads every journal row of a task its statistics do not know yet, or of a journal with no
 * statistics at all (journal), and leave the transaction's planner settings as they were. Plans are read from
 * auto_explain on the real PostgreSQL (its LOG lines reach the client as notices).
 */
import type { NoticeMessage } from 'pg-protocol/dist/messages';
import type { PoolClient } from 'pg';
import {
  createCatalogPool,
  ensureJournal,
  inTransaction,
  journaledKeys,
  setPhase,
  switchMetadata,
  switchParams,
  SWITCH_METADATA_SQL,
  type JournalRow,
} from '../../src/catalog';
import { createDbDriver } from '../../src/drivers/db';
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
  await ensureJournal(catalog.pool);
  await fillJournal(1, ROWS, 'deleted');
  // Statistics of a catalog whose journal holds only an earlier migration; task 2 starts after them.
  await catalog.pool.query('ANALYZE archive_metadata; ANALYZE objectstorage_journal');
  await fillJournal(2, ROWS / 2, 'copied');
});
afterAll(async () => {
  await catalog?.drop();
});

async function fillJournal(taskId: number, n: number, phase: string): Promise<void> {
  await catalog.pool.query(
    `INSERT INTO objectstorage_journal (task_id, bucket, "archiveId", "userId", "documentName", page, phase, source_url)
     SELECT $1, 'b' || (i % 5), md5(i::text), 'u' || (i % 3), md5(i::text) || '.json', i / ${KEYS}, $2, 'db://x'
     FROM generate_series(1, $3::integer) AS i`,
    [taskId, phase, n],
  );
}

interface Row {
  bucket: string;
  archiveId: string;
  userId: string;
  documentName: string;
  content_url: string;
  digest: string | null;
  size: number | null;
  is_compressed: boolean | null;
}
const firstRows = async (): Promise<Row[]> =>
  (
    await catalog.pool.query<Row>(
      `SELECT bucket, "archiveId", "userId", "documentName", content_url, digest, size::float8 AS size, is_compressed
       FROM archive_metadata
       ORDER BY bucket, "archiveId" LIMIT ${KEYS}`,
    )
  ).rows;

/** Runs `fn` in a transaction whose statements' plans are collected (the SET LOCALs end with it). */
async function withPlans<T>(
  fn: (client: PoolClient) => Promise<T>,
  pool = catalog.pool,
): Promise<{ result: T; plans: string[] }> {
  const plans: string[] = [];
  const result = await inTransaction(pool, async (client) => {
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
  return {
    result,
    plans: plans.filter((p) => /(UPDATE|FROM) (archive_metadata|objectstorage_journal)/.test(p)),
  };
}

const plannerSettings = async (client: PoolClient) =>
  (
    await client.query<{ h: string; m: string }>(
      "SELECT current_setting('enable_hashjoin') AS h, current_setting('enable_mergejoin') AS m",
    )
  ).rows[0];

const switchesOf = (rows: Row[], to: string) =>
  rows.map((r) => ({
    ...r,
    from: { url: r.content_url, digest: r.digest, size: r.size, isCompressed: r.is_compressed },
    to: { url: `${to}${r.archiveId}`, digest: 'x', size: 100, isCompressed: false },
  }));

/** Each plan probes `index` by key and nothing else: no hash or merge join, no sequential scan. */
function expectProbesOnly(plans: string[], index: string, count: number): void {
  expect(plans).toHaveLength(count);
  for (const plan of plans) {
    expect(plan).toContain(`using ${index} on`);
    expect(plan).not.toMatch(
      /Hash Join|Merge Join|Seq Scan|objectstorage_journal_phase|objectstorage_journal_page/,
    );
  }
}

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
    return { switched: switched.length, settings: await plannerSettings(client) };
  });
  expect(ours.result.switched).toBe(KEYS);
  expect(ours.result.settings).toEqual({ h: 'on', m: 'on' });
  expectProbesOnly(ours.plans, 'archive_metadata_pkey', 1);
  const moved = await catalog.pool.query(
    `SELECT count(*)::int AS n FROM archive_metadata WHERE content_url LIKE 's3://b/%'`,
  );
  expect(moved.rows[0].n).toBe(KEYS);
});

test('journal lookups and phase updates of a task newer than the statistics probe by key, that task only', async () => {
  // Page 1 of task 2, and keys that only task 1 journaled (never reported as task 2's).
  const page = await catalog.pool.query<JournalRow>(
    `SELECT * FROM objectstorage_journal WHERE task_id = 2 AND page = 1 ORDER BY "archiveId"`,
  );
  expect(page.rows).toHaveLength(KEYS);
  const onlyTask1 = (
    await catalog.pool.query<JournalRow>(
      `SELECT * FROM objectstorage_journal WHERE task_id = 1 AND page = ${ROWS / KEYS - 1} LIMIT 20`,
    )
  ).rows;
  const ours = await withPlans(async (client) => {
    const known = await journaledKeys(client, 2, [...page.rows, ...onlyTask1]);
    const moved = await setPhase(client, 2, page.rows, 'verified');
    const again = await setPhase(client, 2, page.rows, 'verified');
    return { known: known.size, moved, again, settings: await plannerSettings(client) };
  });
  expect(ours.result).toEqual({ known: KEYS, moved: KEYS, again: 0, settings: { h: 'on', m: 'on' } });
  expectProbesOnly(ours.plans, 'objectstorage_journal_pkey', 3);
  const phases = await catalog.pool.query<{ task_id: number; phase: string; n: number }>(
    `SELECT task_id, phase, count(*)::int AS n FROM objectstorage_journal GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  expect(phases.rows).toEqual([
    { task_id: 1, phase: 'deleted', n: ROWS },
    { task_id: 2, phase: 'copied', n: ROWS / 2 - KEYS },
    { task_id: 2, phase: 'verified', n: KEYS },
  ]);
});

test('a new journal that was never analyzed: the first pages probe by key too, not every row of the task', async () => {
  const fresh = await createTestCatalog();
  try {
    await ensureJournal(fresh.pool);
    // What the first pages of a first migration leave: rows, and no statistics until autovacuum comes by.
    await fresh.pool.query(
      `INSERT INTO objectstorage_journal (task_id, bucket, "archiveId", "userId", "documentName", page, phase, source_url)
       SELECT 1, 'b' || (i % 5), md5(i::text), 'u' || (i % 3), md5(i::text) || '.json', i / ${KEYS}, 'copied', 'db://x'
       FROM generate_series(1, ${ROWS}) AS i`,
    );
    const page = await fresh.pool.query<JournalRow>(`SELECT * FROM objectstorage_journal WHERE page = 1`);
    const ours = await withPlans(
      async (client) => ({
        known: (await journaledKeys(client, 1, page.rows)).size,
        moved: await setPhase(client, 1, page.rows, 'verified'),
      }),
      fresh.pool,
    );
    expect(ours.result).toEqual({ known: KEYS, moved: KEYS });
    expectProbesOnly(ours.plans, 'objectstorage_journal_pkey', 2);
  } finally {
    await fresh.drop();
  }
});

test('given the pool, a journal statement runs in a transaction of its own, with the same plan', async () => {
  const rows = (
    await catalog.pool.query<JournalRow>(`SELECT * FROM objectstorage_journal WHERE task_id = 2 AND page = 2`)
  ).rows;
  expect(await journaledKeys(catalog.pool, 2, rows)).toHaveProperty('size', KEYS);
  expect(await setPhase(catalog.pool, 2, rows, 'failed', { code: 'c', message: 'm' })).toBe(KEYS);
  const settings = await catalog.pool.query<{ h: string }>("SELECT current_setting('enable_hashjoin') AS h");
  expect(settings.rows[0]?.h).toBe('on');
});

test('the db driver deletes a page of bodies by key, not by hashing archive_document', async () => {
  await catalog.pool.query(
    `INSERT INTO archive_document (bucket, "archiveId", "userId", "documentName", jsondata, b64_encoded)
     SELECT 'b', 'k' || i, 'u', 'k' || i || '.json', repeat('x', 100), false FROM generate_series(1, ${ROWS}) AS i`,
  );
  await catalog.pool.query('ANALYZE archive_document');
  // One connection whose plans reach us: the driver takes its own transaction from this pool.
  const plans: string[] = [];
  const pool = createCatalogPool(catalog.url, 1);
  pool.on('connect', (client) => {
    client.on('notice', (n: NoticeMessage) => void plans.push(n.message ?? ''));
    void client.query(
      "LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0; SET client_min_messages = log",
    );
  });
  try {
    const uris = Array.from({ length: KEYS }, (_, i) => `db://u/b/k${i + 1}`);
    await createDbDriver(pool).deleteMany(uris);
    const deletes = plans.filter((p) => p.includes('DELETE FROM archive_document'));
    expectProbesOnly(deletes, 'archive_document_pkey', 1);
    const left = await catalog.pool.query(`SELECT count(*)::int AS n FROM archive_document`);
    expect(left.rows[0].n).toBe(ROWS - KEYS);
  } finally {
    await pool.end();
  }
});
