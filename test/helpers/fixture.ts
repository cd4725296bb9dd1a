/**
 * A deterministic fixture shaped like Anchore's data: every logical bucket, two accounts, JSON documents in
 * the `{"document": …}` envelope, raw binary and non-UTF-8 bodies, an empty body, and a size tail.
 */
import { documentEnvelope } from '../../src/drivers/python-json';
import type { ObjectStoreManager } from '../../src/drivers/manager';
import { LOGICAL_BUCKETS } from '../../src/shared/logical-buckets';

export { LOGICAL_BUCKETS };

export interface FixtureDoc {
  readonly userId: string;
  readonly bucket: string;
  readonly key: string;
  readonly logical: Buffer;
}

/** mulberry32: a tiny seeded PRNG so every run builds the same documents. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function bytes(rand: () => number, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
  return b;
}

/** `count` documents; `largeBytes` sets the size of the one big document (0 = none). */
export function makeFixture(count: number, opts: { seed?: number; largeBytes?: number } = {}): FixtureDoc[] {
  const rand = prng(opts.seed ?? 42);
  const docs: FixtureDoc[] = [];
  for (let i = 0; i < count; i++) {
    const bucket = LOGICAL_BUCKETS[i % LOGICAL_BUCKETS.length] as string;
    const userId = i % 3 === 0 ? 'admin' : 'acme-team';
    const digest = `sha256:${(i * 2654435761).toString(16).padStart(12, '0')}`;
    const key =
      bucket === 'vulnerability_scan'
        ? `${digest}/docker.io/library/nginx:1.${i}`
        : bucket === 'analysis_archive'
          ? `${digest}.tar.gz`
          : bucket === 'image_content_imports'
            ? `${userId}/import/packages/${digest}`
            : `${digest}-${i}`;
    let logical: Buffer;
    if (i === 0) logical = Buffer.alloc(0);
    else if (bucket === 'grypedb' || bucket === 'analysis_archive')
      logical = bytes(rand, 500 + Math.floor(rand() * 3000));
    else if (i % 17 === 0) logical = Buffer.concat([Buffer.from([0xff, 0xfe, 0x00]), bytes(rand, 200)]);
    else {
      // JSON with a compressible tail; every 25th document is large enough to cross compression thresholds.
      const filler = 'x'.repeat(i % 25 === 0 ? 150_000 : Math.floor(rand() * 4000));
      logical = documentEnvelope({ id: i, bucket, name: `ünïcode-${i}`, filler });
    }
    docs.push({ userId, bucket, key, logical });
  }
  if (opts.largeBytes) {
    docs.push({
      userId: 'admin',
      bucket: 'grypedb',
      key: 'large-grypedb',
      logical: bytes(rand, opts.largeBytes),
    });
  }
  return docs;
}

/** Writes the fixture through a manager, as Anchore would have. */
export async function loadFixture(manager: ObjectStoreManager, docs: readonly FixtureDoc[]): Promise<void> {
  for (const d of docs) await manager.put(d.userId, d.bucket, d.key, d.logical);
}

/** A fixture whose accounts carry `tag`, so the cases of a file share one catalog without touching each other. */
export function taggedFixture(tag: string, count = 50, largeBytes = 0): FixtureDoc[] {
  return makeFixture(count, { seed: tag.length * 7919, largeBytes }).map((d) => ({
    ...d,
    userId: `${tag}-${d.userId}`,
  }));
}
