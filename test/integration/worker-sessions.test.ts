/**
 * A worker's catalog sessions bound every statement (issue 20, deliver 1): no lock wait, statement or open
 * transaction outlives the attempt that started it, so a frozen attempt cannot hold a row lock or its page's
 * fence forever. Real PostgreSQL.
 */
import { createWorkerPool, WORKER_SESSION_LIMITS } from '../../src/catalog';
import { createTestCatalog, type TestCatalog } from '../helpers/catalog-db';

let catalog: TestCatalog;
beforeAll(async () => {
  catalog = await createTestCatalog({ anchoreSchema: false });
});
afterAll(async () => {
  await catalog?.drop();
});

test('worker sessions carry lock, statement and idle-in-transaction timeouts', async () => {
  const pool = createWorkerPool(catalog.url, 2);
  try {
    const res = await pool.query<{ lock: string; statement: string; idle: string }>(
      `SELECT current_setting('lock_timeout') AS lock, current_setting('statement_timeout') AS statement,
              current_setting('idle_in_transaction_session_timeout') AS idle`,
    );
    expect(res.rows[0]).toEqual({ lock: '1min', statement: '10min', idle: '2min' });
    expect(WORKER_SESSION_LIMITS.lockTimeoutMs).toBeLessThan(WORKER_SESSION_LIMITS.idleInTransactionMs);
  } finally {
    await pool.end();
  }
});

test('a transaction left open by a frozen attempt is ended by the server and its locks freed', async () => {
  const pool = createWorkerPool(catalog.url, 2, { ...WORKER_SESSION_LIMITS, idleInTransactionMs: 300 });
  try {
    await pool.query('CREATE TABLE held (id int PRIMARY KEY)');
    await pool.query('INSERT INTO held VALUES (1)');
    const frozen = await pool.connect();
    frozen.on('error', () => undefined); // the server ends this session
    await frozen.query('BEGIN');
    await frozen.query('SELECT * FROM held FOR UPDATE');
    // The attempt freezes here; another one must get the lock once the server ends the idle transaction.
    await new Promise((r) => setTimeout(r, 800));
    const other = await pool.query('UPDATE held SET id = 2 WHERE id = 1');
    expect(other.rowCount).toBe(1);
    frozen.release(true);
  } finally {
    await pool.end();
  }
});
