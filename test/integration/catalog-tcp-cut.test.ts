/**
 * A worker survives its PostgreSQL TCP connection dropping (issue 20, scenario 5): a network cut, not a FATAL
 * from the server. Deterministic where it crashed a worker before: in the middle of the binary COPY read of
 * db/db2 bodies, whose pooled client had no 'error' listener. Real PostgreSQL behind a TCP proxy of our own.
 */
import { createCatalogPool } from '../../src/catalog';
import { copyRows } from '../../src/drivers/copy-binary';
import { createTestCatalog, type TestCatalog } from '../helpers/catalog-db';
import { startCutProxy, type CutProxy } from '../helpers/tcp-cut-proxy';

let catalog: TestCatalog;
let proxy: CutProxy;
beforeAll(async () => {
  catalog = await createTestCatalog({ anchoreSchema: false });
  await catalog.pool.query('CREATE TABLE bodies (id int PRIMARY KEY, body bytea)');
  // 8 MiB of bodies that do not compress: the cut falls in the middle of the COPY stream.
  await catalog.pool.query(
    `INSERT INTO bodies SELECT i, decode(string_agg(md5(i::text || j::text), ''), 'hex')
     FROM generate_series(1, 8) i, generate_series(1, 65536) j GROUP BY i`,
  );
  const url = new URL(catalog.url);
  proxy = await startCutProxy(url.hostname, Number(url.port || 5432));
});
afterAll(async () => {
  await proxy?.close();
  await catalog?.drop();
});

test('a TCP cut in the middle of a binary COPY read fails that read, not the process; the pool recovers', async () => {
  const url = new URL(catalog.url);
  url.port = String(proxy.port);
  const pool = createCatalogPool(url.toString(), 2);
  try {
    expect(await copyRows(pool, 'SELECT id, body FROM bodies ORDER BY id')).toHaveLength(8);
    proxy.cutAfter(2 * 1024 * 1024);
    await expect(copyRows(pool, 'SELECT id, body FROM bodies ORDER BY id')).rejects.toThrow();
    expect(proxy.cuts()).toBeGreaterThan(0);
    proxy.cutAfter(undefined);
    // Give a late 'error' event from the cut connection the chance to crash the process, as it did.
    await new Promise((r) => setTimeout(r, 200));
    expect(await copyRows(pool, 'SELECT id, body FROM bodies ORDER BY id')).toHaveLength(8);
  } finally {
    await pool.end();
  }
});
