/**
 * `db` driver (Anchore's LegacyDbDriver): bodies in `archive_document.jsondata` (text). Valid UTF-8 without NUL
 * is stored as text; anything else as MIME base64 (`base64.encodebytes`: a newline after every 76 characters
 * and at the end) with `b64_encoded = true` (anchore-storage.md §3, §11.1). Never compressed.
 */
import type { Pool } from 'pg';
import { createSqlBodyDriver } from './sql-body-store';
import { epochSeconds } from './util';
import type { ObjectStoreDriver } from './types';

export const DRIVER_NAME = 'db';

// ignoreBOM: a leading BOM is part of the body (Python's bytes.decode('utf-8') keeps it, and so does Anchore).
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

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

/** Inverse of {@link encodeLegacyBody}; `jsondata` as text, or as its UTF-8 bytes (binary COPY). */
export function decodeLegacyBody(jsondata: string | Buffer | null, b64: boolean | null): Buffer {
  if (jsondata === null) return Buffer.alloc(0);
  if (typeof jsondata === 'string') return Buffer.from(jsondata, b64 ? 'base64' : 'utf8');
  return b64 ? Buffer.from(jsondata.toString('latin1'), 'base64') : jsondata;
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
  return createSqlBodyDriver(pool, {
    name: DRIVER_NAME,
    scheme: 'db',
    supportsCompression: false,
    upsertSql: `
      INSERT INTO archive_document (bucket, "archiveId", "userId", "documentName", created_at, last_updated,
                                    record_state_key, record_state_val, jsondata, b64_encoded)
      SELECT bucket, key, "userId", key || '.json', $6::integer, $6::integer, 'active', NULL, jsondata, b64
      FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[], $5::boolean[])
           AS r("userId", bucket, key, jsondata, b64)
      ON CONFLICT (bucket, "archiveId", "userId", "documentName")
      DO UPDATE SET jsondata = EXCLUDED.jsondata, b64_encoded = EXCLUDED.b64_encoded, last_updated = EXCLUDED.last_updated`,
    selectSql: (from) => `
      SELECT d."userId", d.bucket, d."archiveId", d.jsondata, d.b64_encoded
      FROM archive_document d JOIN ${from}
        ON d.bucket = r.bucket AND d."archiveId" = r.key AND d."userId" = r."userId" AND d."documentName" = r.key || '.json'`,
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
    // Binary COPY gives the text's UTF-8 bytes and the boolean as one byte.
    decode: ([jsondata, b64]) => decodeLegacyBody(jsondata ?? null, b64 ? b64[0] === 1 : null),
  });
}
