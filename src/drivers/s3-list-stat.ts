/**
 * Stats of many objects by listing instead of one HEAD each: the keys of a page share a "directory"
 * (`<prefix><userId>/<bucket>/`) and sit next to each other in key order, so one ListObjectsV2 from just before
 * the first key reports size and ETag for hundreds of them — the same facts a HEAD gives, for one request. The
 * first request asks for about as many keys as the group has (the server reads and the client parses no more
 * than that when nothing else lies between them); further ones for a full 1,000. A listing that wanders through
 * many other objects stops early and leaves the rest to HEAD, as do small groups, keys that are not printable
 * ASCII (S3 orders by UTF-8 bytes; only ASCII is compared here as S3 would) and any listing error (a policy
 * without s3:ListBucket, say).
 */
import type { ObjectStat } from './types';

/**
 * What one ListObjectsV2 request asks: keys under `prefix`, from the start, after `startAfter` or from a
 * continuation token.
 */
export interface ListRequest {
  readonly bucket: string;
  readonly prefix: string;
  readonly startAfter?: string;
  readonly token?: string;
  readonly maxKeys: number;
}

/** The objects one ListObjectsV2 answer names, and its continuation token when there are more. */
export interface ListedPage {
  readonly objects: Array<{ key: string; size: number; etag: string }>;
  readonly next?: string;
}

/** One page of ListObjectsV2 in a bucket. */
export type ListPage = (req: ListRequest) => Promise<ListedPage>;

/** Groups smaller than this are cheaper as HEADs (a listing of two keys is one request, like one HEAD). */
export const MIN_LISTED_GROUP = 2;

/** Keys a listing may return at most (S3's limit). */
export const LIST_MAX_KEYS = 1000;

/** Objects of others the first request of a group may meet before it needs a second one. */
const FIRST_LISTING_SLACK = 16;

const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

/** A string just below `key` in S3 order (listing after it includes `key`; extra keys are ignored). */
export function justBefore(key: string): string {
  const last = key.charCodeAt(key.length - 1);
  return last > 0x20 ? key.slice(0, -1) + String.fromCharCode(last - 1) : key.slice(0, -1);
}

/**
 * The stat an ETag and size give. A single-part ETag is the body's md5 unless the object is encrypted with SSE-KMS
 * or SSE-C (a HEAD says so; a listing does not, so its ETag is only an `etag` to compare); a multipart one
 * ("…-N") never is.
 */
export function statOf(size: number, etag: string, seen: 'head' | 'encrypted' | 'listed'): ObjectStat {
  const bare = etag.replace(/"/g, '');
  if (!/^[0-9a-f]{32}$/.test(bare) || seen === 'encrypted') return { size };
  return seen === 'head' ? { size, md5: bare } : { size, etag: bare };
}

/** Whether HEAD's headers say SSE-KMS (aws:kms, aws:kms:dsse) or SSE-C: the ETag is then not the md5. */
export function encryptedByKey(sse: string | undefined, customerAlgorithm: string | undefined): boolean {
  return (sse ?? '').startsWith('aws:kms') || Boolean(customerAlgorithm);
}

interface Group {
  readonly bucket: string;
  readonly dir: string;
  readonly keys: string[]; // sorted
}

/** The part of a key up to its last '/'. */
export const lastDirectory = (key: string): string => key.slice(0, key.lastIndexOf('/') + 1);

/**
 * Anchore's layout `<prefix><userId>/<bucket>/<key>`: the directory of a document is `<prefix><userId>/<bucket>/`
 * even when its key holds '/' (vulnerability_scan's `<digest>/<tag>`), so such documents are listed with their
 * neighbours instead of each alone. Keys outside the prefix or with fewer parts fall back to the last '/'.
 */
export function documentDirectory(prefix: string): (key: string) => string {
  return (key) => {
    if (!key.startsWith(prefix)) return lastDirectory(key);
    const account = key.indexOf('/', prefix.length);
    const bucket = account < 0 ? -1 : key.indexOf('/', account + 1);
    return bucket < 0 ? lastDirectory(key) : key.slice(0, bucket + 1);
  };
}

/** Groups object keys (bucket, key) by bucket and directory. */
function groupsOf(
  objects: ReadonlyArray<{ bucket: string; key: string }>,
  directoryOf: (key: string) => string,
): Group[] {
  const byDir = new Map<string, Group>();
  for (const { bucket, key } of objects) {
    const dir = directoryOf(key);
    const id = `${bucket}\n${dir}`;
    const group = byDir.get(id) ?? { bucket, dir, keys: [] };
    group.keys.push(key);
    byDir.set(id, group);
  }
  for (const g of byDir.values()) g.keys.sort();
  return [...byDir.values()];
}

/**
 * Lists what it can of `objects`: returns the stats it found (absent objects are left out) and the objects
 * still to HEAD.
 */
export async function statByListing(
  list: ListPage,
  objects: ReadonlyArray<{ bucket: string; key: string }>,
  directoryOf: (key: string) => string = lastDirectory,
): Promise<{ stats: Map<string, ObjectStat>; toHead: Array<{ bucket: string; key: string }> }> {
  const stats = new Map<string, ObjectStat>(); // by `${bucket}\n${key}`
  const toHead: Array<{ bucket: string; key: string }> = [];
  for (const g of groupsOf(objects, directoryOf)) {
    if (g.keys.length < MIN_LISTED_GROUP || !g.keys.every((k) => PRINTABLE_ASCII.test(k))) {
      toHead.push(...g.keys.map((key) => ({ bucket: g.bucket, key })));
      continue;
    }
    const covered = await listGroup(list, g, stats).catch(() => '');
    toHead.push(...g.keys.filter((k) => k > covered).map((key) => ({ bucket: g.bucket, key })));
  }
  return { stats, toHead };
}

/** Lists a group into `stats`; returns the last key the listing covered (keys up to it not seen are absent). */
async function listGroup(list: ListPage, g: Group, stats: Map<string, ObjectStat>): Promise<string> {
  const wanted = new Set(g.keys);
  const lastWanted = g.keys[g.keys.length - 1] as string;
  const patience = 4 * g.keys.length + 1000; // objects of others we list through before leaving the rest to HEAD
  let seen = 0;
  let token: string | undefined;
  let covered = '';
  for (;;) {
    const page = await list({
      bucket: g.bucket,
      prefix: g.dir,
      startAfter: justBefore(g.keys[0] as string),
      ...(token ? { token } : {}),
      maxKeys: token ? LIST_MAX_KEYS : Math.min(LIST_MAX_KEYS, g.keys.length + FIRST_LISTING_SLACK),
    });
    for (const o of page.objects) {
      if (wanted.has(o.key)) stats.set(`${g.bucket}\n${o.key}`, statOf(o.size, o.etag, 'listed'));
      covered = o.key;
    }
    seen += page.objects.length;
    if (!page.next || covered >= lastWanted) return page.next ? covered : lastWanted;
    if (seen > patience) return covered;
    token = page.next;
  }
}
