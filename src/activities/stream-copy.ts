/**
 * Documents too large to hold whole (grypedb tarballs, big SBOMs) are streamed from source to destination: read,
 * hashed and counted as stored, inflated and deflated under the destination's rules, and written as they arrive,
 * so a worker holds a few parts of one, whatever its size. The check against the row (md5 and size of the stored
 * bytes) can only end with the stream, after the copy is written: a copy whose source disagrees with its row is
 * removed again, while no row points at it.
 */
import { createHash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDeflate, createInflate } from 'node:zlib';
import type { ArchiveMetadataRow, JournalEntry } from '../catalog';
import { shouldCompress, type CompressionSettings } from '../drivers/stored-bytes';
import type { ObjectStoreDriver } from '../drivers/types';
import { failedEntry, journalBase } from './journal-base';

/** Documents whose stored size is above this are streamed. */
export const STREAM_ABOVE_BYTES = 64 * 1024 * 1024;

/** What a streamed copy holds at most, for the worker's byte budget: parts in flight and stream buffers. */
export const STREAMED_COPY_BYTES = 48 * 1024 * 1024;

/** Counts and hashes the bytes passing through, and reports progress. */
class Tally extends Transform {
  private readonly hash = createHash('md5');
  bytes = 0;

  constructor(private readonly onBytes?: (n: number) => void) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.onBytes?.(chunk.length);
    done(null, chunk);
  }

  md5(): string {
    return this.hash.digest('hex');
  }
}

/**
 * Whether the copy is compressed, where the stored size decides it before the logical size is known: inflated, a
 * compressed body is at least its stored size less zlib's overhead. Undefined near the threshold.
 */
function compressesCopy(
  row: ArchiveMetadataRow,
  compression: CompressionSettings,
  supports: boolean,
): boolean | undefined {
  const stored = row.size ?? 0;
  if (!row.is_compressed) return shouldCompress(stored, compression, supports);
  const atLeast = stored - Math.ceil(stored / 16_384) * 5 - 6;
  if (shouldCompress(atLeast, compression, supports)) return true;
  return compression.enabled === true && supports ? undefined : false;
}

/** Whether `row` is streamed: both ends can, it is larger than `threshold`, and its compression is decided. */
export function streamsRow(
  row: ArchiveMetadataRow,
  to: { compression: CompressionSettings },
  source: ObjectStoreDriver,
  dest: ObjectStoreDriver,
  threshold: number,
): boolean {
  return (
    row.size !== null &&
    row.size > threshold &&
    source.openRead !== undefined &&
    dest.putStream !== undefined &&
    compressesCopy(row, to.compression, dest.supportsCompression) !== undefined
  );
}

/** A streamed copy's journal entry, and the copy to remove when its source disagreed with its row. */
export interface StreamedCopy {
  readonly entry: JournalEntry;
  readonly removeCopy?: string;
}

/** Streams one document (`streamsRow` true) to `dest`. */
export async function streamCopy(
  row: ArchiveMetadataRow,
  at: {
    to: { compression: CompressionSettings };
    source: ObjectStoreDriver;
    dest: ObjectStoreDriver;
    signal?: AbortSignal;
    onBytes?: (n: number) => void;
  },
): Promise<StreamedCopy> {
  const url = row.content_url as string;
  const { source, dest, signal } = at;
  const body = await (source.openRead as NonNullable<ObjectStoreDriver['openRead']>)(url, { signal });
  if (!body) return { entry: failedEntry(row, 'source_missing', `no object at ${url}`) };
  const compress = compressesCopy(row, at.to.compression, dest.supportsCompression) === true;
  const stored = new Tally(at.onBytes);
  const written = new Tally();
  const inflate = row.is_compressed ? createInflate() : undefined;
  let corrupt = false;
  inflate?.once('error', () => (corrupt = true));
  const stages: Array<Readable | Transform> = [
    body,
    stored,
    ...(inflate ? [inflate] : []),
    ...(compress ? [createDeflate({ level: 3 })] : []),
    written,
  ];
  const ref = { userId: row.userId, bucket: row.bucket, key: row.archiveId };
  const put = (dest.putStream as NonNullable<ObjectStoreDriver['putStream']>)(ref, written, { signal });
  let uri: string;
  try {
    [uri] = await Promise.all([
      put.catch((err: unknown) => {
        written.destroy(err as Error);
        throw err;
      }),
      pipeline(stages, signal ? { signal } : {}),
    ]);
  } catch (err) {
    body.destroy();
    if (corrupt)
      return { entry: failedEntry(row, 'corrupt_source', `${url} is flagged is_compressed but is not zlib`) };
    throw err;
  }
  const sourceMd5 = stored.md5();
  const disagrees =
    row.size !== null && stored.bytes !== row.size
      ? failedEntry(row, 'size_mismatch', `stored ${stored.bytes} bytes, archive_metadata says ${row.size}`)
      : row.digest && sourceMd5 !== row.digest
        ? failedEntry(row, 'digest_mismatch', `stored md5 ${sourceMd5}, archive_metadata says ${row.digest}`)
        : undefined;
  if (disagrees) return { entry: disagrees, removeCopy: uri };
  return {
    entry: {
      ...journalBase(row),
      phase: 'copied',
      dest_url: uri,
      dest_digest: written.md5(),
      dest_size: written.bytes,
      dest_compressed: compress,
    },
  };
}
