/**
 * The floor of an s3→s3 migration between two buckets of one server: only the work no correct migration can
 * skip. Per chunk of documents (copyPage's chunksOf): a server-side CopyObject of each on condition that the
 * source's ETag is its digest (the check rides in the copy request), one compare-and-swap UPDATE of
 * archive_metadata and one DeleteObjects of the sources. No Temporal, no journal, no destination check, no retries
 * or heartbeats. `rclone move` sends the same requests to S3 and updates no catalog, so this floor's CPU per
 * document bounds how far any migration can get ahead of rclone on this machine, as floor.ts does for db→s3.
 */
import { chunksOf } from '../../src/activities/copy-page';
import { createCatalogPool, inTransaction, switchMetadata, type MetadataSwitch } from '../../src/catalog';
import { createS3Driver, type S3DriverOptions } from '../../src/drivers/s3';
import type { FloorRow } from './floor';
import { inLanes, serveThread, shareOf, timedFloor, type FloorResult } from './threads';

interface ThreadInput {
  readonly dbUrl: string;
  readonly from: S3DriverOptions;
  readonly to: S3DriverOptions;
  readonly chunks: FloorRow[][];
  readonly lanes: number;
}

/** Moves every document whose row points into `from`'s bucket to `to`'s bucket; returns the rate. */
export async function s3FloorMigrate(
  dbUrl: string,
  from: S3DriverOptions,
  to: S3DriverOptions,
  threads: number,
  lanes: number,
): Promise<FloorResult> {
  const pool = createCatalogPool(dbUrl, 2);
  const rows = (
    await pool.query<FloorRow>(
      `SELECT bucket, "archiveId", "userId", "documentName", content_url, digest, is_compressed, size::float8 AS size
       FROM archive_metadata WHERE content_url LIKE $1 ORDER BY bucket, "archiveId", "userId", "documentName"`,
      [`s3://${from.bucket}/%`],
    )
  ).rows;
  await pool.end();
  const chunks = chunksOf(rows);
  const bucket = createS3Driver(to);
  await bucket.selfCheck(); // creates the bucket once, before the threads
  await bucket.close();
  return timedFloor(
    __filename,
    Array.from({ length: threads }, (_, k): ThreadInput => ({
      dbUrl,
      from,
      to,
      chunks: shareOf(chunks, threads, k),
      lanes,
    })),
    's3 floor',
    rows,
    lanes,
  );
}

async function runThread(input: ThreadInput): Promise<number> {
  const pool = createCatalogPool(input.dbUrl, input.lanes + 1);
  const source = createS3Driver(input.from);
  const dest = createS3Driver(input.to);
  const { copyFrom } = dest;
  if (!copyFrom) throw new Error('s3 floor: the destination cannot copy server-side');
  const floorChunk = async (chunk: readonly FloorRow[]): Promise<void> => {
    const results = await copyFrom(
      source,
      chunk.map((r) => ({
        sourceUri: r.content_url,
        ref: { userId: r.userId, bucket: r.bucket, key: r.archiveId },
        ...(r.digest ? { expectMd5: r.digest } : {}),
      })),
    );
    const switches = chunk.map((row, i): MetadataSwitch => {
      const copied = results[i];
      if (!copied || 'skipped' in copied) throw new Error(`s3 floor: ${row.content_url} not copied`);
      const version = { digest: row.digest, size: row.size, isCompressed: row.is_compressed };
      return {
        bucket: row.bucket,
        archiveId: row.archiveId,
        userId: row.userId,
        documentName: row.documentName,
        from: { url: row.content_url, ...version },
        to: { url: copied.uri, ...version },
      };
    });
    const switched = await inTransaction(pool, (client) => switchMetadata(client, switches));
    if (switched.length !== chunk.length) throw new Error('s3 floor: metadata changed under the run');
    await source.deleteMany(chunk.map((r) => r.content_url));
  };
  try {
    await dest.selfCheck(); // warms a connection
    return await inLanes(input.chunks, input.lanes, (c) => c.length, floorChunk);
  } finally {
    await Promise.all([source.close(), dest.close()]);
    await pool.end();
  }
}

serveThread(runThread);
