/**
 * Anchore's put window (issue 20, scenario 4's neighbour): Anchore writes a document's new bytes, then its row, a
 * moment apart. A copy that reads the row before and the body after sees bytes that do not match the row; that
 * is a write in progress, not a corrupt document, and the copy must take the newest version instead of failing
 * the document. A body that still disagrees with an unchanged row is corrupt, as before. Real PostgreSQL.
 */
import { createHash } from 'node:crypto';
import { createCopyPage } from '../../src/activities/copy-page';
import { journalRowsInPhases } from '../../src/catalog';
import type { ObjectStoreDriver } from '../../src/drivers/types';
import { anchoreDbStore } from '../helpers/catalog-db';
import { journalAndOnePage } from '../helpers/copy-page';
import { runActivity, SAFETY_RUN, safetyWorldPerTest } from '../helpers/safety-world';

const world = safetyWorldPerTest();

const run = { ...SAFETY_RUN, taskId: 61 };

/** The first document in page order, whose body the source serves "newer than its row" on the first read. */
async function firstDocument(): Promise<{ userId: string; bucket: string; archiveId: string; url: string }> {
  const r = await world().catalog.pool.query(
    `SELECT "userId", bucket, "archiveId", content_url AS url FROM archive_metadata
     ORDER BY bucket, "archiveId", "userId", "documentName" LIMIT 1`,
  );
  return r.rows[0];
}

/**
 * A db source whose first read (or every read, `always`) returns `body` for `url`, as if Anchore had just written
 * it (or the stored object were corrupt).
 */
function sourceMidWrite(
  url: string,
  body: Buffer,
  afterFirstRead: () => void,
  always = false,
): ObjectStoreDriver {
  const depsSource = world().depsWith().drivers.driverFor(SAFETY_RUN.from);
  let first = true;
  return {
    ...depsSource,
    getMany: async (urls, opts) => {
      const got = await depsSource.getMany(urls, opts);
      if ((first || always) && got.has(url)) {
        first = false;
        got.set(url, body);
        afterFirstRead();
      }
      return got;
    },
  };
}

function depsWithSource(source: ObjectStoreDriver) {
  const deps = world().depsWith();
  return {
    ...deps,
    drivers: {
      ...deps.drivers,
      driverFor: (s: typeof SAFETY_RUN.from) => (s.storage_driver.name === 'db' ? source : world().dest),
    },
  };
}

test('a body newer than its row, whose row follows a moment later, is copied at the new version', async () => {
  const doc = await firstDocument();
  const body = Buffer.from(JSON.stringify({ rewritten: doc.archiveId, by: 'anchore', pad: 'x'.repeat(40) }));
  const finishPut = (): void => {
    setTimeout(
      () => void anchoreDbStore(world().catalog.pool).put(doc.userId, doc.bucket, doc.archiveId, body),
      50,
    );
  };
  const page = await journalAndOnePage(world().catalog.pool, run);
  const counts = await runActivity(
    createCopyPage(depsWithSource(sourceMidWrite(doc.url, body, finishPut))),
    run,
    page,
  );

  expect(counts.failed).toBe(0);
  const rows = await journalRowsInPhases(world().catalog.pool, 61, ['copied'], 1000);
  const row = rows.find((r) => r.archiveId === doc.archiveId);
  expect(row?.source_digest).toBe(createHash('md5').update(body).digest('hex'));
  const copy = await world().dest.getMany([row?.dest_url as string]);
  expect(copy.get(row?.dest_url as string)).toEqual(body);
});

test('a body that keeps disagreeing with a row that does not change is still failed as corrupt', async () => {
  const doc = await firstDocument();
  const page = await journalAndOnePage(world().catalog.pool, run);
  const counts = await runActivity(
    createCopyPage(
      depsWithSource(sourceMidWrite(doc.url, Buffer.from('not what the row says'), () => {}, true)),
    ),
    run,
    page,
  );
  expect(counts.failed).toBe(1);
  const failed = await journalRowsInPhases(world().catalog.pool, 61, ['failed'], 1000);
  expect(failed.map((r) => [r.archiveId, r.error_code])).toEqual([[doc.archiveId, 'size_mismatch']]);
});
