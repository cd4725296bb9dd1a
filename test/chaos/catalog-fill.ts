/**
 * The chaos run's catalog: many small Anchore-shaped documents (0.5–8 KiB, several accounts and logical buckets,
 * some non-UTF-8, a few of 256 KiB–2 MiB) written through our `db` driver and with our manager's metadata
 * values, so every row is exactly what Anchore's LegacyDbDriver and manager write; and the snapshot (md5 of every document's logical
 * bytes, read back from the catalog) that the end state is compared with. Batched, so 50,000 documents load in
 * about a minute even on a loaded machine.
 */
import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { createDbDriver, decodeLegacyBody } from '../../src/drivers/db';
import { documentEnvelope } from '../../src/drivers/python-json';
import { decodeStored, encodeStored } from '../../src/drivers/stored-bytes';
import { LOGICAL_BUCKETS, prng } from '../helpers/fixture';

export const ACCOUNTS = ['admin', 'acme-prod', 'acme-dev', 'globex', 'initech'] as const;

/** A document's identity as `userId/bucket/key` (keys may contain `/`, so only used as a map key). */
export const docId = (userId: string, bucket: string, key: string): string => `${userId}\0${bucket}\0${key}`;

/** Snapshot: document id → md5 hex of its logical bytes. */
export type Snapshot = Map<string, string>;

/** Document `i`: the same bytes for the same index on every run. */
export function chaosDocument(i: number): { userId: string; bucket: string; key: string; logical: Buffer } {
  const rand = prng(i * 7919 + 1);
  const bucket = LOGICAL_BUCKETS[i % LOGICAL_BUCKETS.length] as string;
  const userId = ACCOUNTS[Math.floor(i / LOGICAL_BUCKETS.length) % ACCOUNTS.length] as string;
  const digest = `sha256:${createHash('sha256').update(String(i)).digest('hex')}`;
  const key =
    bucket === 'vulnerability_scan'
      ? `${digest}/docker.io/library/app-${i % 97}:1.${i}`
      : bucket === 'analysis_archive'
        ? `${digest}.tar.gz`
        : bucket === 'image_content_imports'
          ? `${userId}/import/packages/${digest}`
          : digest;
  // A few large documents (every 2,000th), the rest 0.5–8 KiB.
  const size =
    i % 2000 === 1999 ? 256 * 1024 + Math.floor(rand() * 1792 * 1024) : 512 + Math.floor(rand() * 7680);
  const noise = (n: number): Buffer => {
    const b = Buffer.alloc(n);
    for (let j = 0; j < n; j++) b[j] = Math.floor(rand() * 256);
    return b;
  };
  if (bucket === 'grypedb' || bucket === 'analysis_archive' || i % 23 === 0)
    return { userId, bucket, key, logical: Buffer.concat([Buffer.from([0xff, 0xfe]), noise(size)]) };
  // JSON with a half-random payload, so compression on the destination shrinks it only partly.
  const payload = noise(Math.floor(size / 2))
    .toString('base64')
    .slice(0, Math.floor(size / 2));
  const logical = documentEnvelope({
    i,
    bucket,
    name: `pkg-ünï-${i}`,
    payload,
    pad: 'x'.repeat(Math.floor(size / 2)),
  });
  return { userId, bucket, key, logical };
}

/**
 * Writes documents 0..count-1 (or the given indices) as Anchore's db store holds them, `batch` at a time with `concurrency` batches in
 * flight: bodies through the `db` driver's batched put (archive_document rows exactly as the manager writes
 * them), and the archive_metadata rows with the values our manager's upsert writes (no compression in `db`).
 */
export async function fillCatalog(
  pool: Pool,
  count: number,
  opts: { concurrency?: number; batch?: number; indices?: readonly number[] } = {},
): Promise<void> {
  const { concurrency = 4, batch = 250 } = opts;
  const indices = opts.indices ?? Array.from({ length: count }, (_, i) => i);
  const driver = createDbDriver(pool);
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let start = next; start < indices.length; start = next) {
      next = Math.min(indices.length, start + batch);
      const docs = indices.slice(start, next).map(chaosDocument);
      const stored = docs.map((d) =>
        encodeStored(d.logical, { enabled: false, min_size_kbytes: 100 }, false),
      );
      const urls = await driver.putMany(
        docs.map((d, j) => ({
          ref: { userId: d.userId, bucket: d.bucket, key: d.key },
          data: stored[j]!.data,
        })),
      );
      await pool.query(
        `INSERT INTO archive_metadata (bucket, "archiveId", "userId", "documentName", content_url, is_compressed, digest,
                                       size, document_metadata, created_at, last_updated, record_state_key, record_state_val)
         SELECT bucket, key, "userId", key || '.json', url, compressed, digest, size, NULL, $8, $8, 'active', NULL
         FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[], $5::boolean[], $6::varchar[],
                     $7::bigint[]) AS r("userId", bucket, key, url, compressed, digest, size)`,
        [
          docs.map((d) => d.userId),
          docs.map((d) => d.bucket),
          docs.map((d) => d.key),
          urls,
          stored.map((x) => x.isCompressed),
          stored.map((x) => x.digest),
          stored.map((x) => x.size),
          Math.floor(Date.now() / 1000),
        ],
      );
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
}

/**
 * md5 of every document's logical bytes, read back from archive_metadata + archive_document in keyset pages
 * and decoded like Anchore's read (digest check, base64 bodies, decompression).
 */
export async function snapshotDbStore(pool: Pool, pageSize = 2000): Promise<Snapshot> {
  const snapshot: Snapshot = new Map();
  let after: [string, string, string] = ['', '', ''];
  for (;;) {
    const { rows } = await pool.query(
      `SELECT m.bucket, m."archiveId", m."userId", m.content_url, m.digest, m.is_compressed, d.jsondata, d.b64_encoded
       FROM archive_metadata m JOIN archive_document d USING (bucket, "archiveId", "userId", "documentName")
       WHERE (m.bucket, m."archiveId", m."userId") > ($1, $2, $3)
       ORDER BY m.bucket, m."archiveId", m."userId" LIMIT $4`,
      [...after, pageSize],
    );
    for (const r of rows) {
      const logical = decodeStored(decodeLegacyBody(r.jsondata, r.b64_encoded), r, r.content_url);
      snapshot.set(docId(r.userId, r.bucket, r.archiveId), md5(logical));
    }
    if (rows.length < pageSize) return snapshot;
    const last = rows[rows.length - 1];
    after = [last.bucket, last.archiveId, last.userId];
  }
}

export const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');
