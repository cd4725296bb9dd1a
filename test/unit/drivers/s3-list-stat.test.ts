/** Stats by listing: which keys a listing settles, and what it leaves to HEAD. */
import { provenMd5 } from '../../../src/drivers/types';
import {
  documentDirectory,
  encryptedByKey,
  justBefore,
  LIST_MAX_KEYS,
  MIN_LISTED_GROUP,
  statByListing,
  statOf,
  type ListPage,
} from '../../../src/drivers/s3-list-stat';

const md5 = (i: number): string => i.toString(16).padStart(32, '0');

/** A bucket's objects, listed like ListObjectsV2 in pages of `pageSize`; records each request. */
function fakeBucket(keys: string[], pageSize = 1000, fail = false) {
  const sorted = [...keys].sort();
  const requests: Array<{ prefix: string; startAfter?: string; token?: string; maxKeys: number }> = [];
  const list: ListPage = ({ prefix, startAfter, token, maxKeys }) => {
    requests.push({ prefix, startAfter, ...(token ? { token } : {}), maxKeys });
    if (fail) return Promise.reject(new Error('AccessDenied'));
    const from = token ?? startAfter ?? '';
    const after = sorted.filter((k) => k.startsWith(prefix) && k > from);
    const size = Math.min(pageSize, maxKeys);
    const objects = after
      .slice(0, size)
      .map((key) => ({ key, size: key.length, etag: `"${md5(key.length)}"` }));
    return Promise.resolve({
      objects,
      ...(after.length > size ? { next: objects[objects.length - 1]?.key } : {}),
    });
  };
  return { list, requests };
}

const docKeys = (dir: string, n: number): string[] =>
  Array.from({ length: n }, (_, i) => `${dir}${String(i * 2).padStart(4, '0')}`);

describe('statByListing', () => {
  test('a page of keys in one directory is one listing; absent keys are left out, not sent to HEAD', async () => {
    const keys = docKeys('pre/admin/analysis_data/', 40);
    const bucket = fakeBucket([...keys, 'pre/admin/other/x', 'pre/acme/analysis_data/0001']);
    const asked = [...keys.slice(0, 30), 'pre/admin/analysis_data/0003'].map((key) => ({ bucket: 'b', key }));
    const { stats, toHead } = await statByListing(bucket.list, asked);
    expect(toHead).toEqual([]);
    // about as many keys as asked for, not a full 1,000 (the 10 later objects stay unread)
    expect(bucket.requests).toEqual([
      { prefix: 'pre/admin/analysis_data/', startAfter: justBefore(keys[0] as string), maxKeys: 31 + 16 },
    ]);
    expect(stats.size).toBe(30);
    expect(stats.get(`b\n${keys[5]}`)).toEqual({
      size: (keys[5] as string).length,
      etag: md5((keys[5] as string).length),
    });
    expect(stats.has('b\npre/admin/analysis_data/0003')).toBe(false);
  });

  test('small groups, non-ASCII keys and failing listings go to HEAD', async () => {
    const small = docKeys('p/acme/q/', MIN_LISTED_GROUP - 1).map((key) => ({ bucket: 'b', key }));
    const unicode = docKeys('p/acme/ü/', 20).map((key) => ({ bucket: 'b', key }));
    const ok = fakeBucket([...small, ...unicode].map((o) => o.key));
    expect((await statByListing(ok.list, [...small, ...unicode])).toHead).toHaveLength(small.length + 20);
    expect(ok.requests).toEqual([]);

    const many = docKeys('p/acme/q/', 20).map((key) => ({ bucket: 'b', key }));
    const denied = fakeBucket(
      many.map((o) => o.key),
      1000,
      true,
    );
    const r = await statByListing(denied.list, many);
    expect(r.toHead).toHaveLength(20);
    expect(r.stats.size).toBe(0);
  });

  test('continues over pages, and leaves to HEAD what lies beyond many other objects', async () => {
    const dir = 'p/u/b/';
    const wanted = docKeys(dir, 20);
    const asked = wanted.map((key) => ({ bucket: 'b', key }));
    // objects of others between the 10th and the 11th wanted key
    const others = (n: number): string[] =>
      Array.from({ length: n }, (_, i) => `${wanted[9]}-x${String(i).padStart(4, '0')}`);
    const paged = fakeBucket([...wanted, ...others(200)], 7);
    const all = await statByListing(paged.list, asked);
    expect(all.stats.size).toBe(20);
    expect(all.toHead).toEqual([]);
    expect(paged.requests.length).toBeGreaterThan(2);

    const far = fakeBucket([...wanted, ...others(2000)], 100);
    const some = await statByListing(far.list, asked);
    expect(some.stats.size).toBe(10);
    expect(some.toHead.map((o) => o.key)).toEqual(wanted.slice(10));
  });

  test('after a first request sized to the group, further requests ask for a full page', async () => {
    const dir = 'p/u/b/';
    const wanted = docKeys(dir, 4);
    const between = Array.from({ length: 30 }, (_, i) => `${wanted[1]}-x${String(i).padStart(2, '0')}`);
    const bucket = fakeBucket([...wanted, ...between]);
    const r = await statByListing(
      bucket.list,
      wanted.map((key) => ({ bucket: 'b', key })),
    );
    expect(r.stats.size).toBe(4);
    expect(r.toHead).toEqual([]);
    expect(bucket.requests.map((q) => q.maxKeys)).toEqual([4 + 16, LIST_MAX_KEYS]);
  });

  test("documentDirectory lists keys with '/' (vulnerability_scan's <digest>/<tag>) with their neighbours", async () => {
    const dirOf = documentDirectory('anchore/');
    expect(dirOf('anchore/admin/vulnerability_scan/sha256:ab/docker.io/x:y')).toBe(
      'anchore/admin/vulnerability_scan/',
    );
    expect(dirOf('anchore/admin/analysis_data/sha256:ab')).toBe('anchore/admin/analysis_data/');
    expect(dirOf('other/admin/analysis_data/sha256:ab')).toBe('other/admin/analysis_data/');
    expect(dirOf('anchore/admin')).toBe('anchore/');
    expect(documentDirectory('')('admin/b/k/x')).toBe('admin/b/');

    const keys = Array.from(
      { length: 6 },
      (_, i) => `anchore/admin/vulnerability_scan/sha256:0${i}/docker.io/a:v${i}`,
    );
    const asked = keys.map((key) => ({ bucket: 'b', key }));
    const byDocument = fakeBucket(keys);
    const r = await statByListing(byDocument.list, asked, dirOf);
    expect(r.stats.size).toBe(6);
    expect(r.toHead).toEqual([]);
    expect(byDocument.requests).toHaveLength(1);
    // by the last '/', every such key is a group of one: a HEAD each
    const byLastSlash = fakeBucket(keys);
    expect((await statByListing(byLastSlash.list, asked)).toHead).toHaveLength(6);
    expect(byLastSlash.requests).toEqual([]);
  });

  test('justBefore sorts below the key and above anything smaller', () => {
    for (const k of ['abc', 'a0', 'sha256:ff', 'a ']) {
      expect(justBefore(k) < k).toBe(true);
    }
    expect(justBefore('abc')).toBe('abb');
  });
});

describe('what an ETag proves (issue 22, item 1)', () => {
  const md5 = 'd41d8cd98f00b204e9800998ecf8427e'; // of no bytes
  test('HEAD: an unencrypted single-part ETag is the md5; SSE-KMS, SSE-C and multipart ones are not', () => {
    expect(statOf(0, `"${md5}"`, 'head')).toEqual({ size: 0, md5 });
    expect(statOf(0, `"${md5}"`, 'encrypted')).toEqual({ size: 0 });
    expect(statOf(9, `"${md5}-2"`, 'head')).toEqual({ size: 9 });
    expect(encryptedByKey('aws:kms', undefined)).toBe(true);
    expect(encryptedByKey('aws:kms:dsse', undefined)).toBe(true);
    expect(encryptedByKey(undefined, 'AES256')).toBe(true);
    expect(encryptedByKey('AES256', undefined)).toBe(false); // SSE-S3 keeps md5 ETags
  });
  test('a listed ETag proves only the digest it equals', () => {
    const listed = statOf(0, md5, 'listed');
    expect(listed).toEqual({ size: 0, etag: md5 });
    expect(provenMd5(listed, md5)).toBe(md5);
    expect(provenMd5(listed, '0'.repeat(32))).toBeUndefined();
    expect(provenMd5(listed, null)).toBeUndefined();
    expect(provenMd5({ size: 0, md5 }, '0'.repeat(32))).toBe(md5);
  });
});
