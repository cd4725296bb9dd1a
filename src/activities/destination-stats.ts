/**
 * What verify knows of each copy: size and md5 from a metadata call where the backend proves the md5, and by
 * reading back otherwise — a source is never deleted on the strength of a size alone (an S3 multipart or SSE-KMS
 * ETag is no md5). A copy the destination refuses to show (its KMS key or an ACL denies it) is that document's
 * problem, not the page's: it is returned as refused, and the others are still verified.
 */
import type { Readable } from 'node:stream';
import { provenMd5, type ObjectStat, type ObjectStoreDriver } from '../drivers/types';
import { mapLimit, md5Hex, md5OfStream } from '../drivers/util';
import { isDocumentRejected } from '../errors';

/** Copies read back at once when no metadata call proves their md5. */
const READ_BACK_STREAMS = 8;

/** Stats by URL (absent copies left out), and the copies the destination refused, with its reason. */
export interface DestinationStats {
  readonly stats: Map<string, ObjectStat>;
  readonly refused: Map<string, string>;
}

/** What a copy should be: its md5, and the checksum the destination keeps for it (checksumFor), if any. */
export interface ExpectedCopy {
  readonly md5: string | null;
  readonly checksum?: string | null;
}

/** `expected`: what each copy (by URL) should be. `full`: read every copy back. */
export async function destinationStats(
  dest: ObjectStoreDriver,
  expected: ReadonlyMap<string, ExpectedCopy>,
  full: boolean,
  signal?: AbortSignal,
): Promise<DestinationStats> {
  const urls = [...expected.keys()];
  const refused = new Map<string, string>();
  const stats = new Map<string, ObjectStat>();
  const { statMany } = dest;
  if (!full && statMany) {
    const listed = await perUrlOnRefusal(urls, refused, (some) => statMany(some, { signal }));
    for (const [url, st] of listed) {
      const md5 = provenMd5(st, expected.get(url)?.md5);
      stats.set(url, md5 === undefined ? { size: st.size } : { size: st.size, md5 });
    }
    await proveByChecksums(dest, expected, stats, refused, signal);
  }
  const unhashed =
    full || !statMany ? urls : urls.filter((u) => stats.has(u) && stats.get(u)?.md5 === undefined);
  const read = dest.openRead
    ? streamedHashes(dest, unhashed, refused, signal)
    : readHashes(dest, unhashed, refused, signal);
  for (const [url, st] of await read) {
    if (st) stats.set(url, st);
    else stats.delete(url);
  }
  return { stats, refused };
}

/**
 * Copies a listing could not prove (an SSE-KMS ETag) whose checksum the destination keeps: equal to the one
 * journaled with the copy, it proves the bytes, so their md5 is the expected one and nothing is read back.
 */
async function proveByChecksums(
  dest: ObjectStoreDriver,
  expected: ReadonlyMap<string, ExpectedCopy>,
  stats: Map<string, ObjectStat>,
  refused: Map<string, string>,
  signal?: AbortSignal,
): Promise<void> {
  const { checksumsOf } = dest;
  const open = [...stats].filter(([url, st]) => st.md5 === undefined && expected.get(url)?.checksum);
  if (!checksumsOf || open.length === 0) return;
  const sums = await perUrlOnRefusal(
    open.map(([url]) => url),
    refused,
    (some) => checksumsOf(some, { signal }),
  );
  for (const [url, st] of open) {
    const want = expected.get(url);
    if (want?.md5 && sums.get(url) === want.checksum) stats.set(url, { size: st.size, md5: want.md5 });
  }
}

/** A batch call; when it is refused for one object, the same call per URL, recording the refused ones. */
async function perUrlOnRefusal<T>(
  urls: readonly string[],
  refused: Map<string, string>,
  call: (urls: readonly string[]) => Promise<Map<string, T>>,
): Promise<Map<string, T>> {
  try {
    return await call(urls);
  } catch (err) {
    if (!isDocumentRejected(err)) throw err;
  }
  const out = new Map<string, T>();
  for (const url of urls) {
    try {
      for (const [u, v] of await call([url])) out.set(u, v);
    } catch (err) {
      if (!isDocumentRejected(err)) throw err;
      refused.set(url, (err as Error).message);
    }
  }
  return out;
}

/** Size and md5 of copies read as streams (the ones left to hash are multipart: as large as documents come). */
async function streamedHashes(
  dest: ObjectStoreDriver,
  urls: readonly string[],
  refused: Map<string, string>,
  signal?: AbortSignal,
): Promise<Map<string, ObjectStat | undefined>> {
  const openRead = dest.openRead as NonNullable<ObjectStoreDriver['openRead']>;
  const out = new Map<string, ObjectStat | undefined>();
  await mapLimit(
    urls,
    READ_BACK_STREAMS,
    async (url) => {
      let body: Readable | undefined;
      try {
        body = await openRead(url, { signal });
      } catch (err) {
        if (!isDocumentRejected(err)) throw err;
        refused.set(url, (err as Error).message);
        return;
      }
      out.set(url, body ? await md5OfStream(body) : undefined);
    },
    signal,
  );
  return out;
}

/** Size and md5 of copies read whole (drivers without streams). */
async function readHashes(
  dest: ObjectStoreDriver,
  urls: readonly string[],
  refused: Map<string, string>,
  signal?: AbortSignal,
): Promise<Map<string, ObjectStat | undefined>> {
  const out = new Map<string, ObjectStat | undefined>();
  if (urls.length === 0) return out;
  const bodies = await perUrlOnRefusal(urls, refused, (some) => dest.getMany(some, { signal }));
  for (const url of urls) {
    if (refused.has(url)) continue;
    const body = bodies.get(url);
    out.set(url, body ? { size: body.length, md5: md5Hex(body) } : undefined);
  }
  return out;
}
