/**
 * Checks one page of archive_metadata rows against the store: is the object there, and do its stored bytes
 * match the row's size and digest (and, when read, decompress if flagged compressed). Reads only.
 */
import type { ArchiveMetadataRow } from '../catalog/archive-metadata';
import { decodeStored } from '../drivers/stored-bytes';
import { md5Hex } from '../drivers/util';
import { provenMd5, type ObjectStat, type ObjectStoreDriver } from '../drivers/types';
import type { AuditProblem, FindingCode } from './types';

/** Errors that mean the whole store is unusable, not one object: the audit stops on them. */
const FATAL = new Set([
  'AbortError',
  'BadCredentialsError',
  'BucketNotFoundError',
  'EndpointUnreachableError',
  'CatalogError',
]);

type Found<T> = { value?: T; error?: unknown };

/** One problem for a row. */
export function rowProblem(row: ArchiveMetadataRow, code: FindingCode, detail: string): AuditProblem {
  return {
    code,
    userId: row.userId,
    bucket: row.bucket,
    archiveId: row.archiveId,
    url: row.content_url ?? '',
    detail,
  };
}

/**
 * A batch call, and if the batch fails (one malformed URL fails a whole SQL batch), the same call per URL so
 * every other row is still checked and the failing ones are reported one by one.
 */
async function fetchEach<T>(
  uris: readonly string[],
  batch: (uris: readonly string[]) => Promise<Map<string, T>>,
): Promise<Map<string, Found<T>>> {
  const out = new Map<string, Found<T>>();
  try {
    const got = await batch(uris);
    for (const u of uris) out.set(u, got.has(u) ? { value: got.get(u) as T } : {});
    return out;
  } catch (err) {
    if (FATAL.has((err as Error).name)) throw err;
  }
  for (const u of uris) {
    try {
      const got = await batch([u]);
      out.set(u, got.has(u) ? { value: got.get(u) as T } : {});
    } catch (err) {
      if (FATAL.has((err as Error).name)) throw err;
      out.set(u, { error: err });
    }
  }
  return out;
}

const describe = (err: unknown): string =>
  err instanceof Error ? `${err.name}: ${err.message}` : String(err);

/** Size and digest of stored bytes against the row; undefined when they match (or the row has no value). */
function compare(row: ArchiveMetadataRow, size: number, md5: string | undefined): AuditProblem | undefined {
  if (row.size !== null && size !== row.size)
    return rowProblem(row, 'size_mismatch', `archive_metadata says ${row.size} bytes, the store has ${size}`);
  if (row.digest && md5 && md5 !== row.digest)
    return rowProblem(
      row,
      'digest_mismatch',
      `archive_metadata says md5 ${row.digest}, stored bytes hash to ${md5}`,
    );
  return undefined;
}

/**
 * Checks rows with the driver's metadata call: size, and md5 where the backend proves it. Rows whose ETag differs
 * from their digest without proving anything (a listing cannot tell an SSE-KMS object) are read to decide.
 */
export async function checkByStat(
  driver: ObjectStoreDriver,
  rows: readonly ArchiveMetadataRow[],
  signal?: AbortSignal,
): Promise<AuditProblem[]> {
  const statMany = driver.statMany?.bind(driver);
  if (!statMany) throw new Error(`${driver.name} has no metadata call`);
  const found = await fetchEach<ObjectStat>(urls(rows), (u) => statMany(u, { signal }));
  const toRead: ArchiveMetadataRow[] = [];
  const problems = rows.flatMap((row) => {
    const f = found.get(row.content_url as string) ?? {};
    if (f.error) return [rowProblem(row, 'unreadable', describe(f.error))];
    if (!f.value) return [rowProblem(row, 'missing', 'no object at this content_url')];
    const md5 = provenMd5(f.value, row.digest);
    if (md5 === undefined && f.value.etag !== undefined && row.digest) {
      toRead.push(row);
      return [];
    }
    return compare(row, f.value.size, md5) ?? [];
  });
  return toRead.length === 0 ? problems : [...problems, ...(await checkByRead(driver, toRead, signal))];
}

/** Checks rows by reading their bodies: size, md5, and zlib for compressed ones. */
export async function checkByRead(
  driver: ObjectStoreDriver,
  rows: readonly ArchiveMetadataRow[],
  signal?: AbortSignal,
): Promise<AuditProblem[]> {
  const found = await fetchEach<Buffer>(urls(rows), (u) => driver.getMany(u, { signal }));
  return rows.flatMap((row) => {
    const url = row.content_url as string;
    const f = found.get(url) ?? {};
    if (f.error) return [rowProblem(row, 'unreadable', describe(f.error))];
    if (!f.value) return [rowProblem(row, 'missing', 'no object at this content_url')];
    const mismatch = compare(row, f.value.length, md5Hex(f.value));
    if (mismatch) return [mismatch];
    try {
      decodeStored(f.value, row, url);
      return [];
    } catch (err) {
      return [rowProblem(row, 'decompress_failed', describe(err))];
    }
  });
}

const urls = (rows: readonly ArchiveMetadataRow[]): string[] => [
  ...new Set(rows.map((r) => r.content_url as string)),
];
