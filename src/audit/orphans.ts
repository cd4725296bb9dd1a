/**
 * Orphans: objects at the audited location that no archive_metadata row points at. The listing is streamed in
 * batches; each batch is looked up by primary key when the driver could name the document, else by URL.
 */
import type { Pool } from 'pg';
import type { ListedObject, ObjectStoreDriver } from '../drivers/types';
import type { Selection } from '../shared/migration';
import type { AuditProblem } from './types';

const LOOKUP_BATCH = 1000;

/** URLs of `objects` that some archive_metadata row points at. */
async function referenced(pool: Pool, objects: readonly ListedObject[]): Promise<Set<string>> {
  const out = new Set<string>();
  const named = objects.filter((o) => o.ref);
  if (named.length > 0) {
    // The row of the document a URI names, if it points there: a primary-key lookup per object.
    const res = await pool.query<{ uri: string }>(
      `SELECT v.uri FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[])
         AS v(uri, "userId", bucket, key)
       WHERE EXISTS (SELECT 1 FROM archive_metadata m WHERE m.bucket = v.bucket AND m."archiveId" = v.key
                       AND m."userId" = v."userId" AND m.content_url = v.uri)`,
      [
        named.map((o) => o.uri),
        named.map((o) => o.ref?.userId),
        named.map((o) => o.ref?.bucket),
        named.map((o) => o.ref?.key),
      ],
    );
    for (const r of res.rows) out.add(r.uri);
  }
  const unnamed = objects.filter((o) => !o.ref);
  if (unnamed.length > 0) {
    // localfs hashes userId and key into the path; the bucket (a primary-key prefix) narrows the scan.
    const buckets = [...new Set(unnamed.map((o) => o.bucket))];
    const byBucket = buckets.every((b) => b !== undefined);
    const res = await pool.query<{ content_url: string }>(
      `SELECT DISTINCT content_url FROM archive_metadata WHERE content_url = ANY($1::varchar[])
       ${byBucket ? 'AND bucket = ANY($2::varchar[])' : ''}`,
      [unnamed.map((o) => o.uri), ...(byBucket ? [buckets] : [])],
    );
    for (const r of res.rows) out.add(r.content_url);
  }
  return out;
}

/** Whether an object of unknown or known logical bucket belongs to the audited buckets. */
function inSelection(o: ListedObject, sel: Selection): boolean {
  if (o.bucket === undefined) return sel.buckets.length === 0;
  if (sel.excludeBuckets.includes(o.bucket)) return false;
  return sel.buckets.length === 0 || sel.buckets.includes(o.bucket);
}

function orphanProblem(o: ListedObject): AuditProblem {
  return {
    code: 'orphan',
    userId: o.ref?.userId ?? '',
    bucket: o.ref?.bucket ?? o.bucket ?? '',
    archiveId: o.ref?.key ?? '',
    url: o.uri,
    detail: `object${o.size !== undefined ? ` of ${o.size} bytes` : ''} without an archive_metadata row`,
  };
}

/** Lists the location and reports every orphan; returns how many objects were listed. */
export async function findOrphans(
  pool: Pool,
  driver: ObjectStoreDriver,
  sel: Selection,
  onProblem: (p: AuditProblem) => Promise<void>,
  onListed: (n: number) => void,
  signal?: AbortSignal,
): Promise<number> {
  if (!driver.listObjects) return 0;
  let listed = 0;
  let batch: ListedObject[] = [];
  const flush = async (): Promise<void> => {
    const refs = await referenced(pool, batch);
    for (const o of batch) if (!refs.has(o.uri)) await onProblem(orphanProblem(o));
    listed += batch.length;
    onListed(batch.length);
    batch = [];
  };
  for await (const o of driver.listObjects({ signal })) {
    if (!inSelection(o, sel)) continue;
    batch.push(o);
    if (batch.length >= LOOKUP_BATCH) await flush();
  }
  if (batch.length > 0) await flush();
  return listed;
}
