/**
 * The floor of a db→s3 migration: only the work no correct migration can skip, done as cheaply as this stack
 * allows, so its CPU per document bounds any implementation's rate on this machine. Per chunk of documents
 * (copyPage's chunksOf): one binary COPY of the bodies, the md5 check, Anchore's compression rule, parallel
 * PutObject with Content-MD5, one compare-and-swap UPDATE of archive_metadata and one DELETE of the sources.
 * No Temporal, no journal, no destination check, no retries or heartbeats. Threads (one per worker process of
 * the real run) take chunks in turn, each with `lanes` chunks in flight.
 *
 * The safe floor adds the least the safety discipline asks for, with the project's own statements, per page of
 * 500 documents as the migration plans them: each chunk's copies journaled in one INSERT, the page's copies
 * verified by listing, its rows switched (compare-and-swap) and journaled `switched` in one transaction, its
 * sources deleted under a lock on their rows and journaled `deleted`. Still no Temporal, page fences, journal
 * re-reads, retries or heartbeats: what it costs over the floor is what any migration that keeps the journal
 * and verifies its copies pays.
 */
import { chunksOf } from '../../src/activities/copy-page';
import { destinationStats } from '../../src/activities/destination-stats';
import {
  createCatalogPool,
  docKeyString,
  ensureJournal,
  inTransaction,
  lockVersions,
  recordCopies,
  sameVersion,
  setPhase,
  switchMetadata,
  type JournalEntry,
  type MetadataSwitch,
} from '../../src/catalog';
import { createDbDriver } from '../../src/drivers/db';
import { createS3Driver, type S3DriverOptions } from '../../src/drivers/s3';
import { recodeStored } from '../../src/drivers/stored-bytes';
import type { PutItem } from '../../src/drivers/types';
import type { DocKey } from '../../src/shared/migration';
import { inLanes, serveThread, shareOf, timedFloor, type FloorResult } from './threads';

export interface FloorRow {
  readonly bucket: string;
  readonly archiveId: string;
  readonly userId: string;
  readonly documentName: string;
  readonly content_url: string;
  readonly digest: string | null;
  readonly is_compressed: boolean | null;
  readonly size: number;
}

export type { FloorResult } from './threads';

interface ThreadInput {
  readonly dbUrl: string;
  readonly s3: S3DriverOptions;
  readonly compression: { enabled: boolean; min_size_kbytes: number };
  /** Chunks of the floor, or pages (with their index) of the safe floor. */
  readonly units: Array<{ readonly index: number; readonly rows: FloorRow[] }>;
  readonly lanes: number;
  readonly safe: boolean;
}

/** The migration's default page size, and the task id the safe floor journals under (its catalog is its own). */
const PAGE_DOCUMENTS = 500;
const SAFE_FLOOR_TASK = 1;

/** Moves every db:// document of the catalog to S3 with the floor's work only; returns the rate. */
export async function floorMigrate(
  dbUrl: string,
  s3: S3DriverOptions,
  compression: { enabled: boolean; min_size_kbytes: number },
  threads: number,
  lanes: number,
  safe = false,
): Promise<FloorResult> {
  const pool = createCatalogPool(dbUrl, 2);
  if (safe) await ensureJournal(pool);
  const rows = (
    await pool.query<FloorRow>(
      `SELECT bucket, "archiveId", "userId", "documentName", content_url, digest, is_compressed, size::float8 AS size
       FROM archive_metadata WHERE content_url LIKE 'db://%' ORDER BY bucket, "archiveId", "userId", "documentName"`,
    )
  ).rows;
  await pool.end();
  const pages = Array.from({ length: Math.ceil(rows.length / PAGE_DOCUMENTS) }, (_, i) =>
    rows.slice(i * PAGE_DOCUMENTS, (i + 1) * PAGE_DOCUMENTS),
  );
  const units = (safe ? pages : chunksOf(rows)).map((r, index) => ({ index, rows: r }));
  const bucket = createS3Driver(s3);
  await bucket.selfCheck(); // creates the bucket once, before the threads
  await bucket.close();
  return timedFloor(
    __filename,
    Array.from({ length: threads }, (_, k): ThreadInput => ({
      dbUrl,
      s3,
      compression,
      units: shareOf(units, threads, k),
      lanes,
      safe,
    })),
    'floor',
    rows,
    lanes,
  );
}

async function runThread(input: ThreadInput): Promise<number> {
  const pool = createCatalogPool(input.dbUrl, input.lanes + 1);
  const source = createDbDriver(pool);
  const dest = createS3Driver(input.s3);
  /** Reads, checks, encodes and writes one chunk; returns its switches (source and copy versions). */
  const copyChunk = async (chunk: readonly FloorRow[]): Promise<MetadataSwitch[]> => {
    const bodies = await source.getMany(chunk.map((r) => r.content_url));
    const items: PutItem[] = [];
    const switches: MetadataSwitch[] = [];
    for (const row of chunk) {
      const stored = bodies.get(row.content_url);
      if (!stored) throw new Error(`floor: no body at ${row.content_url}`);
      const out = recodeStored(stored, row, row.content_url, input.compression, true);
      const ref = { userId: row.userId, bucket: row.bucket, key: row.archiveId };
      items.push({ ref, data: out.data, md5: out.digest });
      switches.push({
        bucket: row.bucket,
        archiveId: row.archiveId,
        userId: row.userId,
        documentName: row.documentName,
        from: { url: row.content_url, digest: row.digest, size: row.size, isCompressed: row.is_compressed },
        to: { url: dest.uriFor(ref), digest: out.digest, size: out.size, isCompressed: out.isCompressed },
      });
    }
    bodies.clear();
    await dest.putMany(items);
    return switches;
  };
  const floorChunk = async (chunk: readonly FloorRow[]): Promise<void> => {
    const switches = await copyChunk(chunk);
    const switched = await inTransaction(pool, (client) => switchMetadata(client, switches));
    if (switched.length !== chunk.length) throw new Error('floor: metadata changed under the floor run');
    await source.deleteMany(chunk.map((r) => r.content_url));
  };
  const safePage = async (page: number, rows: readonly FloorRow[]): Promise<void> => {
    const switches: MetadataSwitch[] = [];
    for (const chunk of chunksOf(rows)) {
      const copied = await copyChunk(chunk);
      await recordCopies(pool, SAFE_FLOOR_TASK, page, copied.map(copiedEntry));
      switches.push(...copied);
    }
    const expected = new Map(switches.map((w) => [w.to.url, { md5: w.to.digest }]));
    const { stats } = await destinationStats(dest, expected, false);
    for (const w of switches) {
      const st = stats.get(w.to.url);
      if (st?.size !== w.to.size || st.md5 !== w.to.digest)
        throw new Error(`safe floor: ${w.to.url} unproven`);
    }
    const keys = switches.map(journalKeys);
    await inTransaction(pool, async (client) => {
      if ((await switchMetadata(client, switches)).length !== switches.length)
        throw new Error('safe floor: metadata changed under the run');
      await setPhase(client, SAFE_FLOOR_TASK, keys, 'switched');
    });
    await inTransaction(pool, async (client) => {
      const now = await lockVersions(client, switches);
      if (!switches.every((w) => sameVersion(now.get(docKeyString(w)), w.to)))
        throw new Error('safe floor: metadata changed under the run');
      await source.deleteMany(switches.map((w) => w.from.url));
      await setPhase(client, SAFE_FLOOR_TASK, keys, 'deleted');
    });
  };
  try {
    await dest.selfCheck(); // warms a connection
    return await inLanes(
      input.units,
      input.lanes,
      (u) => u.rows.length,
      (u) => (input.safe ? safePage(u.index, u.rows) : floorChunk(u.rows)),
    );
  } finally {
    await dest.close();
    await pool.end();
  }
}

serveThread(runThread);

/** The journal entry of a copy the safe floor wrote. */
function copiedEntry(w: MetadataSwitch): JournalEntry {
  return {
    bucket: w.bucket,
    archiveId: w.archiveId,
    userId: w.userId,
    documentName: w.documentName,
    phase: 'copied',
    source_url: w.from.url,
    source_digest: w.from.digest,
    source_size: w.from.size,
    source_compressed: w.from.isCompressed,
    dest_url: w.to.url,
    dest_digest: w.to.digest ?? '',
    dest_size: w.to.size ?? 0,
    dest_compressed: w.to.isCompressed === true,
  };
}

/** setPhase finds rows by their key only. */
const journalKeys = (w: MetadataSwitch): DocKey => ({
  bucket: w.bucket,
  archiveId: w.archiveId,
  userId: w.userId,
  documentName: w.documentName,
});
