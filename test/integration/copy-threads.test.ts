/**
 * A worker's copy threads (docs/adr/0009) do a chunk's copy round as the activity's own thread does: the same
 * journal entries for good and bad documents, errors that keep their names (activities classify failures by
 * name), cancellation that reaches the thread's I/O, and a thread that stays usable after all of these. The
 * threads run the built code (lib/), with a real PostgreSQL `db` source and a local data directory.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArchiveMetadataRow, JournalEntry } from '../../src/catalog';
import { inlineCopier } from '../../src/activities/copy-round';
import type { ChunkCopier } from '../../src/activities/deps';
import type { PortableStore } from '../../src/shared/migration';
import type * as CopyThreadsModule from '../../src/workers/copy-threads';
import { createDriverProvider } from '../../src/workers/driver-provider';
import { createLogger } from '../../src/logger';
import { anchoreDbStore, createTestCatalog, type TestCatalog } from '../helpers/catalog-db';

// The thread entry is JavaScript: the built copy of the module is the one that can start threads.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const built = require('../../lib/workers/copy-threads') as typeof CopyThreadsModule;

let catalog: TestCatalog;
let threads: ReturnType<typeof built.startCopyThreads>;
let rows: ArchiveMetadataRow[];
beforeAll(async () => {
  catalog = await createTestCatalog();
  threads = built.startCopyThreads(2, { dbUrl: catalog.url, connections: 2 }, createLogger('error'));
  rows = await seededRows();
});
afterAll(async () => {
  await threads?.close();
  await catalog?.drop();
});

const dbStore: PortableStore = {
  compression: { enabled: false, min_size_kbytes: 1 },
  storage_driver: { name: 'db', config: {} },
};
function localfs(): PortableStore {
  const dir = join(mkdtempSync(join(tmpdir(), 'aos-threads-')), 'data');
  mkdirSync(dir);
  return {
    compression: { enabled: true, min_size_kbytes: 1 },
    storage_driver: { name: 'localfs', config: { archive_data_dir: dir } },
  };
}

/** 40 documents in the db store, then some rows made to disagree with their bodies, as the catalog holds them. */
async function seededRows(): Promise<ArchiveMetadataRow[]> {
  const db = anchoreDbStore(catalog.pool);
  for (let i = 0; i < 40; i++) {
    const body = Buffer.from(JSON.stringify({ document: { i, text: 'x'.repeat(200 + i * 97) } }));
    await db.put('admin', 'analysis_data', `sha256:${String(i).padStart(64, '0')}`, body);
  }
  const { rows } = await catalog.pool.query<ArchiveMetadataRow>(
    `SELECT bucket, "archiveId", "userId", "documentName", content_url, is_compressed, digest, size::int AS size,
       created_at, last_updated FROM archive_metadata ORDER BY "archiveId"`,
  );
  return rows.map((r, i) => {
    if (i === 3) return { ...r, digest: 'f'.repeat(32) }; // digest_mismatch
    if (i === 5) return { ...r, size: (r.size ?? 0) + 1 }; // size_mismatch
    if (i === 7) return { ...r, content_url: `${r.content_url}-gone` }; // source_missing
    if (i === 9) return { ...r, documentName: 'other.json' }; // bad_document_name
    return r;
  });
}

const byKey = (entries: readonly JournalEntry[]): JournalEntry[] =>
  [...entries].sort((a, b) => a.archiveId.localeCompare(b.archiveId));

test('a chunk copied in a copy thread gives the journal entries of the activity’s own thread', async () => {
  const to = localfs();
  const drivers = createDriverProvider(catalog.pool);
  const inline: ChunkCopier = inlineCopier(drivers);
  try {
    const there = await threads.copy(rows, dbStore, to, undefined);
    const here = await inline.copy(rows, dbStore, to, undefined);

    expect(byKey(there.written)).toEqual(byKey(here.written));
    expect(byKey(there.failed)).toEqual(byKey(here.failed));
    expect(there.written).toHaveLength(36);
    expect(byKey(there.failed).map((f) => f.error_code)).toEqual([
      'digest_mismatch',
      'size_mismatch',
      'source_missing',
      'bad_document_name',
    ]);
    // The copies read back as their journal says.
    const bodies = await drivers.driverFor(to).getMany(there.written.map((w) => w.dest_url as string));
    for (const w of there.written) expect(bodies.get(w.dest_url as string)?.length).toBe(w.dest_size);
  } finally {
    await drivers.close();
  }
});

test('an error thrown in a copy thread keeps its name and message, and the thread copies on', async () => {
  const unset: PortableStore = {
    compression: { enabled: false, min_size_kbytes: 1 },
    storage_driver: {
      name: 'localfs',
      config: { archive_data_dir: '${ANCHORE_OBJECTSTORAGE_NEVER_SET}' },
    },
  };
  const two = rows.slice(10, 12);
  for (let i = 0; i < 3; i++) {
    await expect(threads.copy(two, dbStore, unset, undefined)).rejects.toMatchObject({
      name: 'UnsetVariableError',
      message: expect.stringContaining('ANCHORE_OBJECTSTORAGE_NEVER_SET'),
    });
  }
  const again = await threads.copy(two, dbStore, localfs(), undefined);
  expect(again.written).toHaveLength(2);
});

test('cancelling a chunk cancels the thread’s reads, and the thread copies on', async () => {
  // An S3 server that accepts connections and never answers: the read waits until it is cancelled.
  const sockets: Socket[] = [];
  const silent: Server = createServer((s) => sockets.push(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const port = (silent.address() as { port: number }).port;
  const s3: PortableStore = {
    compression: { enabled: false, min_size_kbytes: 1 },
    storage_driver: {
      name: 's3',
      config: {
        url: `http://127.0.0.1:${port}`,
        bucket: 'b',
        access_key: 'a',
        secret_key: 'b',
        region: 'us-east-1',
      },
    },
  };
  const row = rows[12] as ArchiveMetadataRow;
  const onS3 = { ...row, content_url: 's3://b/admin/analysis_data/x' };
  try {
    const abort = new AbortController();
    const started = Date.now();
    const copying = threads.copy([onS3], s3, localfs(), abort.signal);
    setTimeout(() => abort.abort(), 300);
    await expect(copying).rejects.toMatchObject({ name: expect.stringMatching(/Abort/) });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(sockets.length).toBeGreaterThan(0); // it was waiting on the server, not failing early
    expect((await threads.copy([row], dbStore, localfs(), undefined)).written).toHaveLength(1);
  } finally {
    for (const s of sockets) s.destroy();
    silent.close();
  }
});

test('a round whose write fails part-way answers with every copy it made and the error, by name and code', async () => {
  const to = localfs();
  const dir = to.storage_driver.config.archive_data_dir as string;
  const chunk = rows.slice(10, 30);
  const first = chunk[0] as ArchiveMetadataRow;
  // A directory where the first document's file goes: its write fails (EISDIR), the others' succeed.
  const drivers = createDriverProvider(catalog.pool);
  try {
    const blocked = drivers
      .driverFor(to)
      .uriFor({ userId: first.userId, bucket: first.bucket, key: first.archiveId });
    mkdirSync(blocked.slice('file://'.length), { recursive: true });
    const round = await threads.copy(chunk, dbStore, to, undefined);
    expect(round.interrupted).toMatchObject({ code: 'EISDIR' });
    const onDisk = readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.json'))
      .map((e) => `file://${join(e.parentPath, e.name)}`);
    expect(round.written.length).toBeGreaterThan(0);
    expect(round.written.map((w) => w.dest_url).sort()).toEqual(onDisk.sort());
  } finally {
    await drivers.close();
  }
});
