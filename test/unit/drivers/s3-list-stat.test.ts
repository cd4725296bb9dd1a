/** Stats by listing: which keys a listing settles, and what it leaves to HEAD. */
import {
  justBefore,
  MIN_LISTED_GROUP,
  statByListing,
  type ListPage,
} from '../../../src/drivers/s3-list-stat';

const md5 = (i: number): string => i.toString(16).padStart(32, '0');

/** A bucket's objects, listed like ListObjectsV2 in pages of `pageSize`; records each request. */
function fakeBucket(keys: string[], pageSize = 1000, fail = false) {
  const sorted = [...keys].sort();
  const requests: Array<{ prefix: string; startAfter: string; token?: string }> = [];
  const list: ListPage = ({ prefix, startAfter, token }) => {
    requests.push({ prefix, startAfter, ...(token ? { token } : {}) });
    if (fail) return Promise.reject(new Error('AccessDenied'));
    const from = token ?? startAfter;
    const after = sorted.filter((k) => k.startsWith(prefix) && k > from);
    const objects = after
      .slice(0, pageSize)
      .map((key) => ({ key, size: key.length, etag: `"${md5(key.length)}"` }));
    return Promise.resolve({
      objects,
      ...(after.length > pageSize ? { next: objects[objects.length - 1]?.key } : {}),
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
    expect(bucket.requests).toEqual([
      { prefix: 'pre/admin/analysis_data/', startAfter: justBefore(keys[0] as string) },
    ]);
    expect(stats.size).toBe(30);
    expect(stats.get(`b\n${keys[5]}`)).toEqual({
      size: (keys[5] as string).length,
      md5: md5((keys[5] as string).length),
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

  test('justBefore sorts below the key and above anything smaller', () => {
    for (const k of ['abc', 'a0', 'sha256:ff', 'a ']) {
      expect(justBefore(k) < k).toBe(true);
    }
    expect(justBefore('abc')).toBe('abb');
  });
});
