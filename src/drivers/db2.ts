/**
 * `db2` driver (Anchore's DbDriver): bodies in `object_storage.content` (bytea), `version = ''`,
 * `object_metadata` NULL (anchore-storage.md §3, §11.10). Compression allowed.
 */
import type { Pool } from 'pg';
import { createSqlBodyDriver } from './sql-body-store';
import { epochSeconds } from './util';
import type { ObjectStoreDriver } from './types';

export const DRIVER_NAME = 'db2';

const LIST = `SELECT "userId", bucket, key, length(content) AS size FROM object_storage`;

/** Creates the `db2` driver over the catalog pool. */
export function createDb2Driver(pool: Pool): ObjectStoreDriver {
  const refs = `unnest($1::varchar[], $2::varchar[], $3::varchar[]) AS r("userId", bucket, key)`;
  const match = `o."userId" = r."userId" AND o.bucket = r.bucket AND o.key = r.key AND o.version = ''`;
  return createSqlBodyDriver(pool, {
    name: DRIVER_NAME,
    scheme: 'db2',
    supportsCompression: true,
    upsertSql: `
      INSERT INTO object_storage ("userId", bucket, key, version, object_metadata, content, created_at, last_updated)
      SELECT "userId", bucket, key, '', NULL, content, $5::integer, $5::integer
      FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::bytea[]) AS r("userId", bucket, key, content)
      ON CONFLICT ("userId", bucket, key, version)
      DO UPDATE SET content = EXCLUDED.content, last_updated = EXCLUDED.last_updated`,
    selectSql: (from) =>
      `SELECT o."userId", o.bucket, o.key, o.content FROM object_storage o JOIN ${from} ON ${match}`,
    statSql: `SELECT o."userId", o.bucket, o.key, length(o.content) AS size, md5(o.content) AS md5
              FROM object_storage o JOIN ${refs} ON ${match}`,
    listSql: {
      first: `${LIST} WHERE version = '' ORDER BY "userId", bucket, key LIMIT $1`,
      after: `${LIST} WHERE version = '' AND ("userId", bucket, key) > ($1, $2, $3) ORDER BY "userId", bucket, key LIMIT $4`,
    },
    deleteSql: `DELETE FROM object_storage o USING ${refs} WHERE ${match}`,
    encode: (items) => [items.map((i) => i.data), epochSeconds()],
    decode: ([content]) => content ?? Buffer.alloc(0),
  });
}
