/**
 * The benchmark's documents, defined once and produced two ways that give the same bytes: SQL (to fill a
 * catalog in minutes with INSERT … SELECT generate_series) and TypeScript (for the ceiling, which must write
 * the same bytes without a catalog). Document i's account, logical bucket, key and size follow from integer
 * hashes of i; its body is Anchore's `{"document": …}` envelope around a slice of a fixed 16 MiB block of md5
 * hex, so bodies differ, are valid UTF-8 and compress about 2:1 like real JSON.
 */
import { createHash } from 'node:crypto';

/** `main`: mostly 1–64 KiB with a 1% tail of 1–8 MiB. `small`: 256 B–4 KiB (the 1M-document case). */
export type SizeMix = 'main' | 'small';

export const ACCOUNTS = ['admin', 'acme', 'globex', 'initech', 'umbrella'] as const;
export const BUCKETS = [
  'analysis_data',
  'query_data',
  'image_content_data',
  'image_summary_data',
  'manifest_data',
  'syft_sbom',
  'vulnerability_scan',
  'policy_evaluations',
] as const;

const MD5_COUNT = 524_288; // 32 hex chars each: a 16 MiB block
const BLOCK_BYTES = MD5_COUNT * 32;
const MAX_BODY = 8 * 1024 * 1024;
const KIB = 1024;
const MIB = 1024 * KIB;

/** Knuth's multiplicative hash; products stay below 2^53 for i < 1e6, so JS Numbers are exact. */
const h1 = (i: number): number => (i * 2654435761) % 4294967296;
const h2 = (i: number): number => ((i + 1000003) * 2246822519) % 4294967296;

/** Length of the data slice of document i. */
export function dataLength(i: number, mix: SizeMix): number {
  if (mix === 'small') return 256 + (h1(i) % (15 * 256));
  if (i % 100 === 50) return MIB + (h1(i) % (7 * MIB)); // the 1% tail
  return KIB + (h1(i) % (63 * KIB));
}

export function docRef(i: number): { userId: string; bucket: string; key: string } {
  const userId = ACCOUNTS[i % ACCOUNTS.length] as string;
  const bucket = BUCKETS[Math.floor(i / ACCOUNTS.length) % BUCKETS.length] as string;
  const digest = `sha256:${md5(`k${i}`)}${md5(`K${i}`)}`;
  // vulnerability_scan keys are <digest>/<fulltag> (anchore-storage.md §5).
  const key = bucket === 'vulnerability_scan' ? `${digest}/docker.io/library/app${i % 50}:v${i % 7}` : digest;
  return { userId, bucket, key };
}

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

let block: Buffer | undefined;
function hexBlock(): Buffer {
  if (!block) {
    const parts: string[] = [];
    for (let j = 1; j <= MD5_COUNT; j++) parts.push(md5(String(j)));
    block = Buffer.from(parts.join(''), 'latin1');
  }
  return block;
}

/** The stored body of document i (the db driver stores it as text, unchanged). */
export function docBody(i: number, mix: SizeMix): Buffer {
  const len = dataLength(i, mix);
  const off = h2(i) % (BLOCK_BYTES - MAX_BODY);
  const digest = docRef(i).key.split('/')[0] as string; // the image digest, without a vulnerability_scan tag
  return Buffer.concat([
    Buffer.from(`{"document": {"digest": "${digest}", "data": "`),
    hexBlock().subarray(off, off + len),
    Buffer.from('"}}'),
  ]);
}

/** SQL expressions of the same functions, over an integer column `i` (see docRef/docBody). */
function sqlExpressions(mix: SizeMix): { userId: string; bucket: string; key: string; body: string } {
  const arr = (xs: readonly string[]): string => `(ARRAY[${xs.map((x) => `'${x}'`).join(',')}])`;
  const hash1 = `((i::bigint * 2654435761) % 4294967296)`;
  const hash2 = `(((i::bigint + 1000003) * 2246822519) % 4294967296)`;
  const len =
    mix === 'small'
      ? `(256 + ${hash1} % ${15 * 256})`
      : `(CASE WHEN i % 100 = 50 THEN ${MIB} + ${hash1} % ${7 * MIB} ELSE ${KIB} + ${hash1} % ${63 * KIB} END)`;
  const digest = `('sha256:' || md5('k' || i) || md5('K' || i))`;
  const bucket = `${arr(BUCKETS)}[(i / ${ACCOUNTS.length}) % ${BUCKETS.length} + 1]`;
  const key = `(CASE WHEN ${bucket} = 'vulnerability_scan' THEN ${digest} || '/docker.io/library/app' || (i % 50) || ':v' || (i % 7) ELSE ${digest} END)`;
  const data = `convert_from(substring(blk.b FROM (${hash2} % ${BLOCK_BYTES - MAX_BODY})::int + 1 FOR ${len}::int), 'UTF8')`;
  return {
    userId: `${arr(ACCOUNTS)}[i % ${ACCOUNTS.length} + 1]`,
    bucket,
    key,
    body: `'{"document": {"digest": "' || ${digest} || '", "data": "' || ${data} || '"}}'`,
  };
}

/** The block as a one-row relation `blk(b bytea)`, computed in memory once per statement. */
const BLOCK_SQL = `(SELECT convert_to(string_agg(md5(j::text), '' ORDER BY j), 'UTF8') AS b
  FROM generate_series(1, ${MD5_COUNT}) AS j) AS blk`;

/**
 * Inserts documents [from, to) exactly as Anchore's `db` driver and manager store them: the body as text in
 * archive_document (b64_encoded false: it is valid UTF-8 without NUL), and the archive_metadata row with
 * content_url db://<userId>/<bucket>/<key>, md5 and length of the stored bytes, documentName = key + ".json",
 * record_state_key 'active' and integer epoch timestamps (anchore-storage.md §3, §4, §11.2).
 */
export function insertSql(mix: SizeMix, from: number, to: number, epoch: number): string {
  const e = sqlExpressions(mix);
  // One statement: the body is computed once and its digest and size come from the inserted row (RETURNING).
  return `WITH docs AS (
      INSERT INTO archive_document (bucket, "archiveId", "userId", "documentName", created_at, last_updated,
        record_state_key, record_state_val, jsondata, b64_encoded)
      SELECT d.bucket, d.key, d."userId", d.key || '.json', ${epoch}, ${epoch}, 'active', NULL, d.body, false
      FROM (SELECT ${e.userId} AS "userId", ${e.bucket} AS bucket, ${e.key} AS key, ${e.body} AS body
            FROM generate_series(${from}, ${to - 1}) AS i, ${BLOCK_SQL}) AS d
      RETURNING bucket, "archiveId", "userId", "documentName", md5(jsondata) AS digest, octet_length(jsondata) AS size)
    INSERT INTO archive_metadata (bucket, "archiveId", "userId", "documentName", content_url, is_compressed, digest,
      size, document_metadata, created_at, last_updated, record_state_key, record_state_val)
    SELECT bucket, "archiveId", "userId", "documentName", 'db://' || "userId" || '/' || bucket || '/' || "archiveId",
           false, digest, size, NULL, ${epoch}, ${epoch}, 'active', NULL
    FROM docs`;
}
