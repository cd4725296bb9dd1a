/**
 * What must hold after the chaos run: every document reads back through the destination config with its
 * snapshot bytes, no document is in two places (no leftover source body, no S3 object without a metadata row),
 * the journal's phase order, the Anchore task row. Each check returns problems instead of throwing, so the
 * report can show all of them at once.
 */
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { Pool } from 'pg';
import type { ObjectStoreManager } from '../../src/drivers/manager';
import { docId, md5, type Snapshot } from './catalog-fill';
import { ALL_JOURNAL_ROWS } from '../helpers/journal-rows';

export interface Violations {
  readonly kind: string;
  readonly count: number;
  readonly examples: string[];
}

const violation = (kind: string, found: string[]): Violations => ({
  kind,
  count: found.length,
  examples: found.slice(0, 5),
});

/** Reads every document of the snapshot back through `manager` (metadata row, GET, digest, zlib) and compares md5s. */
export async function readBackProblems(
  manager: ObjectStoreManager,
  snapshot: Snapshot,
  concurrency = 24,
  through = 's3',
): Promise<Violations> {
  const ids = [...snapshot.keys()];
  const bad: string[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < ids.length; i = next++) {
      const id = ids[i] as string;
      const [userId, bucket, key] = id.split('\0') as [string, string, string];
      try {
        const back = await manager.get(userId, bucket, key);
        if (!back) bad.push(`${userId}/${bucket}/${key}: no metadata row`);
        else if (md5(back) !== snapshot.get(id)) bad.push(`${userId}/${bucket}/${key}: logical bytes differ`);
      } catch (err) {
        bad.push(`${userId}/${bucket}/${key}: ${(err as Error).name}: ${(err as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return violation(
    `every document ${through === 's3' ? '' : 'Anchore rewrote after its move '}reads back intact through the ${through} config (${ids.length})`,
    bad,
  );
}

/** Rows the catalog has beyond the snapshot, rows not at the destination, and leftover source bodies. */
export async function catalogProblems(
  pool: Pool,
  snapshot: Snapshot,
  destination: string,
  /** Documents Anchore rewrote on the source config: their row may point back at the source, with its body. */
  rewritten: ReadonlySet<string> = new Set(),
): Promise<Violations[]> {
  const { rows } = await pool.query<{
    userId: string;
    bucket: string;
    archiveId: string;
    content_url: string;
  }>(`SELECT "userId", bucket, "archiveId", content_url FROM archive_metadata`);
  const extra = rows.filter((r) => !snapshot.has(docId(r.userId, r.bucket, r.archiveId)));
  const backAtSource = new Set(
    rows
      .filter(
        (r) => r.content_url.startsWith('db://') && rewritten.has(docId(r.userId, r.bucket, r.archiveId)),
      )
      .map((r) => `${r.userId}/${r.bucket}/${r.archiveId}`),
  );
  const elsewhere = rows.filter(
    (r) =>
      !r.content_url.startsWith(destination) && !backAtSource.has(`${r.userId}/${r.bucket}/${r.archiveId}`),
  );
  const bodies = await pool.query<{ where: string; doc: string }>(
    `SELECT 'archive_document ' || "userId" || '/' || bucket || '/' || "archiveId" AS where,
            "userId" || '/' || bucket || '/' || "archiveId" AS doc FROM archive_document
     UNION ALL SELECT 'object_storage ' || "userId" || '/' || bucket || '/' || key,
            "userId" || '/' || bucket || '/' || key FROM object_storage`,
  );
  const leftovers = { rows: bodies.rows.filter((r) => !backAtSource.has(r.doc)) };
  return [
    violation(
      'no metadata row outside the snapshot',
      extra.map((r) => `${r.userId}/${r.bucket}/${r.archiveId}`),
    ),
    violation(
      'every metadata row points at the destination',
      elsewhere.map((r) => `${r.userId}/${r.bucket}/${r.archiveId} → ${r.content_url}`),
    ),
    violation(
      'no source body left in the catalog (no document in two places)',
      leftovers.rows.map((r) => r.where),
    ),
  ];
}

/**
 * Whether `url` (s3://…/userId/bucket/key or db://userId/bucket/key) is the location of one of `docs`
 * (`userId/bucket/key`). By suffix: archive ids may themselves contain slashes.
 */
export function isAnchoreMade(url: string, docs: ReadonlySet<string>): boolean {
  for (const d of docs) if (url.endsWith(`/${d}`)) return true;
  return false;
}

/** Objects in the destination bucket that no metadata row points at (the S3 self-check probe aside). */
export async function orphanObjects(
  pool: Pool,
  s3: { endpoint: string; accessKey: string; secretKey: string; bucket: string },
  /** Copies Anchore orphaned by rewriting their document on the source config (`userId/bucket/key` suffixes). */
  anchoreOrphans: ReadonlySet<string> = new Set(),
): Promise<Violations> {
  const { rows } = await pool.query<{ content_url: string }>('SELECT content_url FROM archive_metadata');
  const referenced = new Set(rows.map((r) => r.content_url));
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKey, secretAccessKey: s3.secretKey },
  });
  const orphans: string[] = [];
  try {
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: s3.bucket, ContinuationToken: token, MaxKeys: 1000 }),
      );
      for (const o of page.Contents ?? []) {
        const uri = `s3://${s3.bucket}/${o.Key}`;
        if (referenced.has(uri) || o.Key?.includes('__anchore_s3_key_self_check__')) continue;
        if (!isAnchoreMade(uri, anchoreOrphans)) orphans.push(uri);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  } finally {
    client.destroy();
  }
  return violation('no S3 object without a metadata row', orphans);
}

/** Journal rows of `taskId` not `deleted` in order copied ≤ verified ≤ switched ≤ deleted, and their count. */
export async function journalProblems(pool: Pool, taskId: number, expected: number): Promise<Violations[]> {
  const bad = await pool.query<{ doc: string; phase: string }>(
    `SELECT "userId" || '/' || bucket || '/' || "archiveId" AS doc, phase FROM ${ALL_JOURNAL_ROWS} j
     WHERE task_id = $1 AND NOT (phase = 'deleted' AND copied_at <= verified_at AND verified_at <= switched_at
       AND switched_at <= deleted_at)`,
    [taskId],
  );
  const total = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${ALL_JOURNAL_ROWS} j WHERE task_id = $1`,
    [taskId],
  );
  const n = total.rows[0]?.n ?? 0;
  return [
    violation(
      'journal: every source deleted only after copy → verify → switch',
      bad.rows.map((r) => `${r.doc} (${r.phase})`),
    ),
    violation('journal: one row per document', n === expected ? [] : [`${n} rows, ${expected} documents`]),
  ];
}

/** The Anchore task row: complete, all documents counted, drivers db → s3, ended. */
export async function taskRowProblems(pool: Pool, taskId: number, expected: number): Promise<Violations> {
  const { rows } = await pool.query(
    `SELECT t.state::text AS state, t.ended_at IS NOT NULL AS ended, m.archive_documents_to_migrate AS total,
            m.archive_documents_migrated AS done, m.migrate_from_driver AS "from", m.migrate_to_driver AS "to"
     FROM tasks t JOIN archive_migration_tasks m USING (id) WHERE id = $1`,
    [taskId],
  );
  const row = rows[0];
  const want = { state: 'complete', ended: true, total: expected, done: expected, from: 'db', to: 's3' };
  const wrong = row
    ? Object.entries(want)
        .filter(([k, v]) => row[k] !== v)
        .map(([k, v]) => `${k} = ${JSON.stringify(row[k])}, expected ${JSON.stringify(v)}`)
    : [`no task row ${taskId}`];
  return violation('Anchore task row: complete, counts, drivers, ended', wrong);
}
