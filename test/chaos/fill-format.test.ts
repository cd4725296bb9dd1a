/**
 * The chaos run's batched catalog fill must write exactly what our object-store manager writes over the `db`
 * driver (Anchore's format): same archive_metadata and archive_document rows, timestamps aside.
 */
import { anchoreDbStore, createTestCatalog, type TestCatalog } from '../helpers/catalog-db';
import { snapshot } from '../helpers/world';
import { chaosDocument, fillCatalog } from './catalog-fill';

jest.setTimeout(180_000);

// Every logical bucket and account, non-UTF-8 bodies, and the first large document (index 1999).
const INDICES = [...Array.from({ length: 300 }, (_, i) => i), 1999];
let batched: TestCatalog;
let managed: TestCatalog;

beforeAll(async () => {
  [batched, managed] = await Promise.all([createTestCatalog(), createTestCatalog()]);
});
afterAll(async () => {
  await batched?.drop();
  await managed?.drop();
});

test('fillCatalog writes the rows the manager writes', async () => {
  await fillCatalog(batched.pool, INDICES.length, { indices: INDICES });
  const manager = anchoreDbStore(managed.pool);
  for (const i of INDICES) {
    const d = chaosDocument(i);
    await manager.put(d.userId, d.bucket, d.key, d.logical);
  }
  const fast = (await snapshot(batched.pool)) as { metadata: unknown[] };
  expect(fast.metadata).toHaveLength(INDICES.length);
  expect(fast).toEqual(await snapshot(managed.pool));
});
