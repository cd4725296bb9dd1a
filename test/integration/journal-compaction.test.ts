/**
 * A finished migration's journal is compacted (issue 25, docs/adr/0008): the rows of documents it moved and whose
 * sources are deleted keep only their keys and times in objectstorage_moved, and the journal's space goes back to
 * the database. What reads those rows afterwards — status counts, reverse's selection, rollback's and prune's
 * "did a later migration move them" — reads them there (prune itself: test/e2e/migrate-lifecycle.test.ts). Real
 * PostgreSQL.
 */
import type { Pool } from 'pg';
import {
  compactMovedRows,
  countSelection,
  ensureJournal,
  inTransaction,
  journalRowsInPhases,
  journalSize,
  laterMigrationsThatSwitched,
  phaseCounts,
  recordCopies,
  setPhase,
  type JournalEntry,
} from '../../src/catalog';
import { createTestCatalog, type TestCatalog } from '../helpers/catalog-db';

let catalog: TestCatalog;
beforeEach(async () => {
  catalog = await createTestCatalog();
  await ensureJournal(catalog.pool);
});
afterEach(async () => {
  await catalog?.drop();
});

const PAGE = 500;
const hex = (i: number): string => i.toString(16).padStart(64, '0');

/** Document i's keys as Anchore writes them (documentName = archiveId + ".json"), except where `oddName`. */
function doc(i: number, oddName = false) {
  const archiveId = `sha256:${hex(i)}`;
  return {
    bucket: ['analysis_data', 'manifest_data'][i % 2] as string,
    archiveId,
    userId: `account${i % 3}`,
    documentName: oddName ? `${archiveId}.other` : `${archiveId}.json`,
  };
}

const dbUrl = (d: ReturnType<typeof doc>): string => `db://${d.userId}/${d.bucket}/${d.archiveId}`;
const s3Url = (d: ReturnType<typeof doc>): string => `s3://dest/${d.userId}/${d.bucket}/${d.archiveId}`;

/** Journals documents `ids` of task `taskId` as copied, on pages of 500, then moves them to `phase`. */
async function journal(
  pool: Pool,
  taskId: number,
  ids: readonly number[],
  phase: 'deleted' | 'switched' | 'failed',
): Promise<void> {
  const entries: JournalEntry[] = ids.map((i) => {
    const d = doc(i, i === 7);
    return {
      ...d,
      phase: 'copied',
      source_url: dbUrl(d),
      source_digest: 'a'.repeat(32),
      source_size: 1000 + i,
      source_compressed: false,
      dest_url: s3Url(d),
      dest_digest: 'b'.repeat(32),
      dest_size: 900 + i,
      dest_compressed: true,
      dest_checksum: `sha256:${Buffer.alloc(32, i).toString('base64')}`,
    };
  });
  for (let at = 0; at < entries.length; at += 100) {
    const chunk = entries.slice(at, at + 100);
    await recordCopies(pool, taskId, Math.floor(at / PAGE), chunk);
  }
  const rows = await journalRowsInPhases(pool, taskId, ['copied'], 1_000_000);
  const mine = rows.filter((r) => ids.includes(Number.parseInt(r.archiveId.slice(7), 16)));
  await inTransaction(pool, async (c) => {
    if (phase === 'failed') {
      await setPhase(c, taskId, mine, 'failed', { code: 'verify_mismatch', message: 'test' });
      return;
    }
    await setPhase(c, taskId, mine, 'switched');
    if (phase === 'deleted') await setPhase(c, taskId, mine, 'deleted');
  });
}

/** Puts archive_metadata rows of documents `ids` at the destination, as the migration left them. */
async function atDestination(pool: Pool, ids: readonly number[]): Promise<void> {
  for (const i of ids) {
    const d = doc(i, i === 7);
    await pool.query(
      `INSERT INTO archive_metadata (bucket, "archiveId", "userId", "documentName", content_url, is_compressed,
         digest, size) VALUES ($1, $2, $3, $4, $5, true, $6, $7)`,
      [d.bucket, d.archiveId, d.userId, d.documentName, s3Url(d), 'b'.repeat(32), 900 + i],
    );
  }
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, k) => from + k);

test('the moved documents of a finished migration keep their keys in a fraction of the space', async () => {
  const pool = catalog.pool;
  const moved = range(0, 3000);
  await journal(pool, 1, moved, 'deleted');
  await journal(pool, 1, range(3000, 3005), 'failed');
  const before = await phaseCounts(pool, 1);
  const bytesBefore = (await journalSize(pool)).bytes;

  const result = await compactMovedRows(pool, 1);
  expect(result.moved).toBe(3000);

  // Only the rows something still acts on stay in the journal; the counts read the same.
  const left = await pool.query(`SELECT phase, count(*)::int AS n FROM objectstorage_journal GROUP BY phase`);
  expect(left.rows).toEqual([{ phase: 'failed', n: 5 }]);
  expect(await phaseCounts(pool, 1)).toEqual(before);
  const size = await journalSize(pool);
  expect(size.rows.get(1)).toBe(3005);
  // The space of the rows that went is the database's again (the journal is rewritten without them).
  expect(result.spaceReturned).toBe(true);
  expect(size.bytes / 3005).toBeLessThanOrEqual(400);
  expect(size.bytes).toBeLessThan(bytesBefore / 4);

  // A second compaction (a retried activity) finds nothing more to move.
  expect((await compactMovedRows(pool, 1)).moved).toBe(0);
  expect(await phaseCounts(pool, 1)).toEqual(before);
});

test('a journal that keeps more rows than were moved is vacuumed, not rewritten under every migration', async () => {
  const pool = catalog.pool;
  await journal(pool, 1, range(0, 300), 'deleted');
  await journal(pool, 2, range(1000, 2000), 'switched'); // a --nodelete migration's rows stay
  const file = async (): Promise<string> =>
    (await pool.query<{ f: string }>(`SELECT pg_relation_filenode('objectstorage_journal')::text AS f`))
      .rows[0]?.f ?? '';
  const before = await file();

  const result = await compactMovedRows(pool, 1);

  expect(result).toEqual({
    moved: 300,
    spaceReturned: false,
    why: expect.stringMatching(/keeps 1000 rows.*VACUUM/),
  });
  expect(await file()).toBe(before); // VACUUM FULL would have written a new file
  expect((await journalSize(pool)).rows.get(2)).toBe(1000);
});

test("reverse's selection and rollback's and prune's check for later migrations read the compacted rows", async () => {
  const pool = catalog.pool;
  await journal(pool, 1, range(0, 600), 'deleted');
  await atDestination(pool, range(0, 700)); // 600 moved by task 1, 100 put there by someone else
  await journal(pool, 2, range(500, 550), 'deleted'); // a later migration moved 50 of them again
  await journal(pool, 3, range(900, 910), 'switched'); // one that moved none of task 1's documents
  await compactMovedRows(pool, 1);
  await compactMovedRows(pool, 2);

  const selection = { sourcePrefix: 's3://dest/', buckets: [], excludeBuckets: [] };
  const counted = async (movedBy: number): Promise<number> =>
    (await countSelection(pool, { ...selection, movedBy })).reduce((n, b) => n + b.documents, 0);
  // Document 7's odd documentName is found too: only canonical names are left out of the compacted row.
  expect(await counted(1)).toBe(600);
  expect(await counted(2)).toBe(50);
  expect(await laterMigrationsThatSwitched(pool, 1)).toEqual([2]);
  expect(await laterMigrationsThatSwitched(pool, 2)).toEqual([]);
});
