/**
 * The chaos run's oracle for "the journal never moved backwards" (test/chaos/transitions.ts) can fail: a trigger
 * records every phase change, and a move the state machine forbids is reported. Real PostgreSQL.
 */
import { backwardTransitions, recordTransitions } from '../chaos/transitions';
import { createTestCatalog, type TestCatalog } from '../helpers/catalog-db';

let catalog: TestCatalog;
beforeEach(async () => {
  catalog = await createTestCatalog();
});
afterEach(async () => {
  await catalog?.drop();
});

test('forward moves pass; a deleted row moved back to copied is reported', async () => {
  const pool = catalog.pool;
  await recordTransitions(pool);
  await pool.query(
    `INSERT INTO objectstorage_journal (task_id, bucket, "archiveId", "userId", "documentName", page, phase, source_url)
     VALUES (9, 'b', 'a1', 'u', 'd', 0, 'copied', 'db://u/b/a1')`,
  );
  const phase = (p: string) =>
    pool.query(`UPDATE objectstorage_journal SET phase = $1 WHERE task_id = 9`, [p]);
  await phase('switched');
  await phase('deleted');
  expect(await backwardTransitions(pool, 9)).toMatchObject({ count: 0 });

  await phase('copied');
  expect(await backwardTransitions(pool, 9)).toMatchObject({
    count: 1,
    examples: [expect.stringMatching(/^deleted → copied: 1×/)],
  });
});
