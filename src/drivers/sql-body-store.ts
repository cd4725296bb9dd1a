/**
 * What the two database drivers share: a pg pool, URI parsing, batching by unnest() arrays so a page is one
 * statement, and the probe round trip. Each driver supplies its table's SQL and body encoding.
 */
import type { Pool } from 'pg';
import { ObjectKeyNotFoundError } from '../errors';
import { probeRoundTrip } from './self-check';
import { accountUri, parseAccountUri } from './uri';
import { DEFAULT_LIST_PAGE_SIZE } from './listing';
import { throwIfAborted } from './util';
import type {
  CallOptions,
  DocumentRef,
  DriverName,
  ListedObject,
  ListOptions,
  ObjectStat,
  ObjectStoreDriver,
  PutItem,
} from './types';

/** The table-specific half of a database driver. */
export interface SqlBodyTable<Row> {
  readonly name: DriverName;
  readonly scheme: string;
  readonly supportsCompression: boolean;
  /** Upserts rows given as parallel arrays: $1 userIds, $2 buckets, $3 keys, then `encode`'s columns. */
  readonly upsertSql: string;
  /**
   * Selects `"userId", bucket, key` aliases and the body columns for refs in unnest($1, $2, $3). A body whose
   * stored bytes exceed $4 comes back NULL with `slice_length`, its length in slice units (characters for text,
   * bytes for bytea), to be read in slices instead; `slice_length` is NULL for every body read whole. Test the
   * size with a function that does not detoast (octet_length, bytea length): `length(text)` reads the whole
   * value to count its characters, and a query that calls it reads every body two or three times.
   */
  readonly selectSql: string;
  /** Bodies of more stored bytes than `wholeMax` are read in slices of `slice` units. */
  readonly reads: ReadLimits;
  /** One slice of one body: $1 userId, $2 bucket, $3 key, $4 1-based start, $5 length; column `part`. */
  readonly sliceSql: string;
  /** Starts the bytes of a row read in slices (`uri` names it in errors); each `part` is added as it arrives. */
  assembleSlices(row: Row, bodyLength: number, uri: string): SliceAssembly;
  /** Optional: selects ref columns plus `size` and `md5` of the stored bytes, computed by the server. */
  readonly statSql?: string;
  /**
   * Optional: one keyset page of every stored document as `"userId", bucket, key` and `size` (NULL when only
   * reading would tell). `first` takes $1 = limit; `after` takes $1 userId, $2 bucket, $3 key of the last row
   * seen, $4 = limit. Both order by the table's primary key so each page is an index range scan.
   */
  readonly listSql?: { readonly first: string; readonly after: string };
  /** Deletes refs in unnest($1, $2, $3). */
  readonly deleteSql: string;
  /** Parameters after the three ref arrays: per-item arrays, then scalars such as the timestamp. */
  encode(items: readonly PutItem[]): unknown[];
  /** Bytes of a selected row. */
  decode(row: Row): Buffer;
}

/** Bytes built slice by slice, so a large body is held about once, not as its slices, their join and the result. */
export interface SliceAssembly {
  add(part: unknown): void;
  finish(): Buffer;
}

/**
 * How a table's bodies are read. node-pg holds a row whole, as its message and its text form, for a moment:
 * about three times a text body and five times a bytea one (hex). Slices bound that, but PostgreSQL cannot start
 * a character substring of a toasted UTF-8 value in the middle, so each text slice reads the value from its start
 * (bench, main mix: 1 Mi-character slices cost PostgreSQL 1.36 ms CPU per document, whole reads 0.45 ms);
 * bytea slices read only their own bytes.
 */
export interface ReadLimits {
  readonly wholeMax: number;
  readonly slice: number;
}

interface RefRow {
  userId: string;
  bucket: string;
  key: string;
}



/** Builds a driver over an Anchore body table (`archive_document` for db, `object_storage` for db2). */
export function createSqlBodyDriver<Row extends object>(
  pool: Pool,
  table: SqlBodyTable<Row>,
): ObjectStoreDriver {
  const { scheme } = table;
  const refArrays = (refs: readonly DocumentRef[]): string[][] => [
    refs.map((r) => r.userId),
    refs.map((r) => r.bucket),
    refs.map((r) => r.key),
  ];
  const select = async (uris: readonly string[], opts?: CallOptions): Promise<Map<string, Buffer>> => {
    throwIfAborted(opts?.signal);
    const out = new Map<string, Buffer>();
    if (uris.length === 0) return out;
    const refs = uris.map((u) => parseAccountUri(u, scheme));
    const res = await pool.query<Row & RefRow & { slice_length: number | string | null }>(table.selectSql, [
      ...refArrays(refs),
      table.reads.wholeMax,
    ]);
    for (const row of res.rows) {
      const data =
        row.slice_length === null
          ? table.decode(row)
          : await readSliced(row, Number(row.slice_length), opts?.signal);
      out.set(accountUri(scheme, row), data);
    }
    return out;
  };

  const readSliced = async (row: Row & RefRow, length: number, signal?: AbortSignal): Promise<Buffer> => {
    const body = table.assembleSlices(row, length, accountUri(scheme, row));
    for (let start = 1; start <= length; start += table.reads.slice) {
      throwIfAborted(signal);
      const res = await pool.query<{ part: unknown }>(table.sliceSql, [
        row.userId,
        row.bucket,
        row.key,
        start,
        table.reads.slice,
      ]);
      if (res.rows.length === 0) throw new ObjectKeyNotFoundError(accountUri(scheme, row));
      body.add(res.rows[0]?.part);
    }
    return body.finish();
  };

  const statMany = async (uris: readonly string[], opts?: CallOptions): Promise<Map<string, ObjectStat>> => {
    throwIfAborted(opts?.signal);
    const out = new Map<string, ObjectStat>();
    if (uris.length === 0 || !table.statSql) return out;
    const refs = uris.map((u) => parseAccountUri(u, scheme));
    const res = await pool.query<RefRow & ObjectStat>(table.statSql, refArrays(refs));
    for (const row of res.rows) out.set(accountUri(scheme, row), { size: Number(row.size), md5: row.md5 });
    return out;
  };

  const listSql = table.listSql;
  async function* listObjects(opts?: ListOptions): AsyncGenerator<ListedObject> {
    if (!listSql) return;
    const limit = opts?.pageSize ?? DEFAULT_LIST_PAGE_SIZE;
    let last: RefRow | undefined;
    for (;;) {
      throwIfAborted(opts?.signal);
      const res: { rows: Array<RefRow & { size: string | number | null }> } = last
        ? await pool.query(listSql.after, [last.userId, last.bucket, last.key, limit])
        : await pool.query(listSql.first, [limit]);
      for (const row of res.rows) {
        const ref = { userId: row.userId, bucket: row.bucket, key: row.key };
        yield {
          uri: accountUri(scheme, ref),
          ref,
          bucket: ref.bucket,
          ...(row.size === null ? {} : { size: Number(row.size) }),
        };
      }
      if (res.rows.length < limit) return;
      last = res.rows[res.rows.length - 1];
    }
  }

  const driver: ObjectStoreDriver = {
    ...(table.statSql ? { statMany } : {}),
    ...(listSql ? { listObjects } : {}),
    name: table.name,
    scheme,
    supportsCompression: table.supportsCompression,
    location: `${scheme}://`,
    uriFor: (ref) => accountUri(scheme, ref),
    async put(ref, data, opts) {
      const [uri] = await driver.putMany([{ ref, data }], opts);
      return uri as string;
    },
    async putMany(items, opts) {
      throwIfAborted(opts?.signal);
      // ON CONFLICT cannot touch one row twice in a statement: the last write of a key wins, as sequential puts would.
      const last = new Map<string, PutItem>();
      for (const item of items) last.set(accountUri(scheme, item.ref), item);
      const unique = [...last.values()];
      if (unique.length > 0) {
        await pool.query(table.upsertSql, [...refArrays(unique.map((i) => i.ref)), ...table.encode(unique)]);
      }
      return items.map((i) => accountUri(scheme, i.ref));
    },
    async get(uri, opts) {
      const data = (await select([uri], opts)).get(uri);
      if (!data) throw new ObjectKeyNotFoundError(uri);
      return data;
    },
    getMany: select,
    async exists(uri, opts) {
      return (await select([uri], opts)).has(uri);
    },
    async delete(uri, opts) {
      await driver.deleteMany([uri], opts);
    },
    async deleteMany(uris, opts) {
      throwIfAborted(opts?.signal);
      if (uris.length === 0) return;
      await pool.query(table.deleteSql, refArrays(uris.map((u) => parseAccountUri(u, scheme))));
    },
    async selfCheck(opts) {
      await probeRoundTrip(driver, opts);
    },
    // The pool belongs to the caller (one catalog pool serves metadata and both db drivers).
    async close() {},
  };
  return driver;
}
