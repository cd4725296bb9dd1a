/**
 * What the two database drivers share: a pg pool, URI parsing, batching by unnest() arrays so a page is one
 * statement, and the probe round trip. Each driver supplies its table's SQL and body encoding.
 */
import type { Pool } from 'pg';
import { ObjectKeyNotFoundError } from '../errors';
import { probeRoundTrip } from './self-check';
import { accountUri, parseAccountUri } from './uri';
import { DEFAULT_LIST_PAGE_SIZE } from './listing';
import { copyRows, sqlArray, type CopyRow } from './copy-binary';
import { throwIfAborted } from './util';
import { queryByKeyProbes } from '../sql/key-probes';
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
export interface SqlBodyTable {
  readonly name: DriverName;
  readonly scheme: string;
  readonly supportsCompression: boolean;
  /** Upserts rows given as parallel arrays: $1 userIds, $2 buckets, $3 keys, then `encode`'s columns. */
  readonly upsertSql: string;
  /**
   * The SELECT that COPY runs for the refs in `refs` (an `unnest(…) AS r("userId", bucket, key)` over literal
   * arrays): `"userId"`, `bucket`, `key`, then the body columns `decode` takes, in that order.
   */
  selectSql(refs: string): string;
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
  /** Stored bytes from the raw body columns of a selected row (binary COPY: text as UTF-8, bytea as is). */
  decode(columns: CopyRow): Buffer;
}

interface RefRow {
  userId: string;
  bucket: string;
  key: string;
}

const utf8 = (b: Buffer | null | undefined): string => b?.toString('utf8') ?? '';

/** Builds a driver over an Anchore body table (`archive_document` for db, `object_storage` for db2). */
export function createSqlBodyDriver(pool: Pool, table: SqlBodyTable): ObjectStoreDriver {
  const { scheme } = table;
  const refArrays = (refs: readonly DocumentRef[]): string[][] => [
    refs.map((r) => r.userId),
    refs.map((r) => r.bucket),
    refs.map((r) => r.key),
  ];
  // Binary COPY: bodies arrive as raw bytes straight into Buffers of their size (copy-binary.ts).
  const select = async (uris: readonly string[], opts?: CallOptions): Promise<Map<string, Buffer>> => {
    throwIfAborted(opts?.signal);
    const out = new Map<string, Buffer>();
    if (uris.length === 0) return out;
    const refs = refArrays(uris.map((u) => parseAccountUri(u, scheme)));
    const from = `unnest(${refs.map((a) => sqlArray(a)).join(', ')}) AS r("userId", bucket, key)`;
    for (const [userId, bucket, key, ...body] of await copyRows(pool, table.selectSql(from), opts?.signal)) {
      const ref = { userId: utf8(userId), bucket: utf8(bucket), key: utf8(key) };
      out.set(accountUri(scheme, ref), table.decode(body));
    }
    return out;
  };

  const statMany = async (uris: readonly string[], opts?: CallOptions): Promise<Map<string, ObjectStat>> => {
    throwIfAborted(opts?.signal);
    const out = new Map<string, ObjectStat>();
    if (uris.length === 0 || !table.statSql) return out;
    const refs = uris.map((u) => parseAccountUri(u, scheme));
    const res = await queryByKeyProbes<RefRow & ObjectStat>(pool, table.statSql, refArrays(refs));
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
      // One statement: every row was written, or none.
      const uris = items.map((i) => accountUri(scheme, i.ref));
      uris.forEach((uri, index) => opts?.onDone?.(index, uri));
      return uris;
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
      // By key: PostgreSQL's own plan hashed the whole body table for every page, slower as the table grows.
      await queryByKeyProbes(pool, table.deleteSql, refArrays(uris.map((u) => parseAccountUri(u, scheme))));
    },
    async selfCheck(opts) {
      await probeRoundTrip(driver, opts);
    },
    // The pool belongs to the caller (one catalog pool serves metadata and both db drivers).
    async close() {},
  };
  return driver;
}
