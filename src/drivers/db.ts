/**
 * `db` driver (Anchore's LegacyDbDriver): bodies in `archive_document.jsondata` (text). Valid UTF-8 without NUL
 * is stored as text; anything else as MIME base64 (`base64.encodebytes`: a newline after every 76 characters
 * and at the end) with `b64_encoded = true` (anchore-storage.md §3, §11.1). Never compressed.
 */
import type { Pool } from 'pg';
import { base64Slices, utf8Slices } from './slice-assembly';
import { createSqlBodyDriver } from './sql-body-store';
import { epochSeconds } from './util';
import type { ObjectStoreDriver } from './types';

export const DRIVER_NAME = 'db';

const MIB = 1024 * 1024;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Body encoding of archive_document: `[jsondata, b64_encoded]`. */
export function encodeLegacyBody(data: Buffer): { jsondata: string; b64: boolean } {
  if (!data.includes(0)) {
    try {
      return { jsondata: UTF8.decode(data), b64: false };
    } catch {
      // not UTF-8: fall through to base64
    }
  }
  return { jsondata: mimeBase64(data), b64: true };
}

/** Python's `base64.encodebytes`: lines of at most 76 characters, each ending with a newline. */
export function mimeBase64(data: Buffer): string {
  const flat = data.toString('base64');
  let out = '';
  for (let i = 0; i < flat.length; i += 76) out += `${flat.slice(i, i + 76)}\n`;
  return out;
}

/** Inverse of {@link encodeLegacyBody}. */
export function decodeLegacyBody(jsondata: string | null, b64: boolean | null): Buffer {
  if (jsondata === null) return Buffer.alloc(0);
  return b64 ? Buffer.from(jsondata, 'base64') : Buffer.from(jsondata, 'utf8');
}

/**
 * Documents the db driver can address: its URIs name (userId, bucket, key) and the row's documentName is always
 * `key.json`. Sizes are left out: a base64 body's stored size is only known after decoding it.
 */
const LIST = `SELECT "userId", bucket, "archiveId" AS key, NULL AS size FROM archive_document
  WHERE "documentName" = "archiveId" || '.json'`;

/** Creates the `db` driver over the catalog pool. */
export function createDbDriver(pool: Pool): ObjectStoreDriver {
  const refs = `unnest($1::varchar[], $2::varchar[], $3::varchar[]) AS r("userId", bucket, key)`;
  return createSqlBodyDriver<{
    jsondata: string | null;
    b64_encoded: boolean | null;
    body_bytes: number | string | null;
  }>(pool, {
    name: DRIVER_NAME,
    scheme: 'db',
    supportsCompression: false,
    // Text slices each read the value from its start: read whole up to 8 MiB, in few large slices above.
    reads: { wholeMax: 8 * MIB, slice: 4 * MIB },
    upsertSql: `
      INSERT INTO archive_document (bucket, "archiveId", "userId", "documentName", created_at, last_updated,
                                    record_state_key, record_state_val, jsondata, b64_encoded)
      SELECT bucket, key, "userId", key || '.json', $6::integer, $6::integer, 'active', NULL, jsondata, b64
      FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[], $5::boolean[])
           AS r("userId", bucket, key, jsondata, b64)
      ON CONFLICT (bucket, "archiveId", "userId", "documentName")
      DO UPDATE SET jsondata = EXCLUDED.jsondata, b64_encoded = EXCLUDED.b64_encoded, last_updated = EXCLUDED.last_updated`,
    selectSql: `
      SELECT d."userId", d.bucket, d."archiveId" AS key, octet_length(d.jsondata) AS body_bytes, d.b64_encoded,
             CASE WHEN octet_length(d.jsondata) > $4 THEN length(d.jsondata) END AS slice_length,
             CASE WHEN octet_length(d.jsondata) <= $4 THEN d.jsondata END AS jsondata
      FROM archive_document d JOIN ${refs}
        ON d.bucket = r.bucket AND d."archiveId" = r.key AND d."userId" = r."userId" AND d."documentName" = r.key || '.json'`,
    // Slices count characters (text), so a multi-byte character is never split.
    sliceSql: `SELECT substring(jsondata from $4::integer for $5::integer) AS part FROM archive_document
               WHERE "userId" = $1 AND bucket = $2 AND "archiveId" = $3 AND "documentName" = $3 || '.json'`,
    assembleSlices: (row, chars, uri) =>
      row.b64_encoded ? base64Slices(chars) : utf8Slices(Number(row.body_bytes), uri),
    listSql: {
      first: `${LIST} ORDER BY bucket, "archiveId", "userId" LIMIT $1`,
      after: `${LIST} AND (bucket, "archiveId", "userId") > ($2, $3, $1) ORDER BY bucket, "archiveId", "userId" LIMIT $4`,
    },
    deleteSql: `
      DELETE FROM archive_document d USING ${refs}
      WHERE d.bucket = r.bucket AND d."archiveId" = r.key AND d."userId" = r."userId" AND d."documentName" = r.key || '.json'`,
    encode(items) {
      const bodies = items.map((i) => encodeLegacyBody(i.data));
      return [bodies.map((b) => b.jsondata), bodies.map((b) => b.b64), epochSeconds()];
    },
    decode: (row) => decodeLegacyBody(row.jsondata, row.b64_encoded),
  });
}
