/**
 * fast-check arbitraries of the property tests (test/drivers/driver-properties.test.ts,
 * test/integration/migration-properties.test.ts): document bodies with any leading bytes and every length around
 * the compression threshold of `min_size_kbytes: 1`, document keys from Anchore's shapes and from an adversarial
 * alphabet, and the key limits of each real backend, which the properties found (see {@link keyLimit}).
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import type { DocumentRef } from '../../src/drivers/types';
import type { RealStore } from './real-drivers';

/** The compression threshold the bodies cluster around: `min_size_kbytes: 1` compresses above 1024 bytes. */
export const THRESHOLD = 1024;

/** Body lengths: empty and tiny, the threshold ±2, small, and larger ones up to ~70 KB. */
const LENGTH = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(0, 1, 2) },
  { weight: 5, arbitrary: fc.integer({ min: THRESHOLD - 2, max: THRESHOLD + 2 }) },
  { weight: 2, arbitrary: fc.integer({ min: 3, max: 400 }) },
  { weight: 2, arbitrary: fc.integer({ min: THRESHOLD + 3, max: 70 * 1024 }) },
);

/**
 * Forced first bytes: what a zlib stream starts with (0x78 and its three usual second bytes), JSON's '{', NUL,
 * invalid UTF-8 (0xff 0xfe, 0xc3 0x28, a lone continuation byte), a UTF-8 BOM, gzip's magic, a newline.
 */
const LEAD = fc.constantFrom<number[]>(
  [],
  [0x78],
  [0x78, 0x9c],
  [0x78, 0x01],
  [0x78, 0xda],
  [0x7b],
  [0x7b, 0x22],
  [0x00],
  [0x00, 0x00],
  [0xff, 0xfe],
  [0xc3, 0x28],
  [0x80],
  [0xef, 0xbb, 0xbf],
  [0x1f, 0x8b],
  [0x0a],
);

/** Valid UTF-8 of exactly `n` bytes: `text` repeated, its last character replaced by 'x' where cut. */
function utf8OfLength(text: string, n: number): Buffer {
  const unit = Buffer.from(text.length > 0 ? text : 'x', 'utf8');
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i += unit.length) unit.copy(out, i, 0, Math.min(unit.length, n - i));
  // A multi-byte character cut at the end: overwrite its bytes (lead byte and continuations) with 'x'.
  let i = n - 1;
  while (i >= 0 && ((out[i] as number) & 0xc0) === 0x80) i--;
  if (i >= 0 && (out[i] as number) >= 0xc0) {
    const need = (out[i] as number) >= 0xf0 ? 4 : (out[i] as number) >= 0xe0 ? 3 : 2;
    if (n - i < need) out.fill(0x78, i);
  }
  return out;
}

/** `n` bytes after the lead: random bytes, UTF-8 text (the `db` driver's text path), or a repeated pattern. */
const filler = (n: number): fc.Arbitrary<Buffer> =>
  n === 0
    ? fc.constant(Buffer.alloc(0))
    : fc.oneof(
        fc.uint8Array({ minLength: n, maxLength: n }).map((a) => Buffer.from(a)),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).map((t) => utf8OfLength(t, n)),
        fc
          .uint8Array({ minLength: 1, maxLength: 16 })
          .map((p) => Buffer.alloc(n, Buffer.from(p.length > 0 ? p : [0x61]))),
      );

/** A short, printable description of a body for counterexamples (a 70 KB array would fill the screen). */
export function describeBody(b: Buffer): string {
  const md5 = createHash('md5').update(b).digest('hex');
  return `<${b.length} bytes, starts ${b.subarray(0, 8).toString('hex') || '(empty)'}, md5 ${md5}>`;
}

/** A Buffer that prints as {@link describeBody} in fast-check's reports. */
function printable(b: Buffer): Buffer {
  return Object.assign(b, { [fc.toStringMethod]: () => describeBody(b) });
}

/** Document bodies: any leading bytes, then filler, of a length biased to 0, 1, the threshold ±2 and up to 70 KB. */
export const bodyArb: fc.Arbitrary<Buffer> = fc.tuple(LENGTH, LEAD).chain(([n, lead]) => {
  const head = Buffer.from(lead.slice(0, n));
  return filler(n - head.length).map((rest) => printable(Buffer.concat([head, rest])));
});

/** Anchore's logical buckets (anchore-storage.md §5). */
export const bucketArb: fc.Arbitrary<string> = fc.constantFrom(
  'analysis_data',
  'vulnerability_scan',
  'policy_bundles',
  'policy_evaluations',
  'image_content_imports',
  'grypedb',
  'policy-engine-evaluation-cache',
);

const hex = (n: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: n, maxLength: n });
const lower = (max: number): fc.Arbitrary<string> =>
  fc.string({
    unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'),
    minLength: 1,
    maxLength: max,
  });

/** `<registry>/<repo path>:<tag>`, as docker references allow them (tags up to 128 characters). */
const fullTag = fc
  .tuple(
    fc.constantFrom('docker.io', 'quay.io', 'localhost:5000', 'registry.example.com:443', 'ghcr.io'),
    fc.array(lower(12), { minLength: 1, maxLength: 3 }),
    fc.oneof(
      fc.constantFrom('latest', '1.25', 'v2.0.0-rc.1', 'sha-abc_DEF'),
      fc.string({
        unit: fc.constantFrom(...'abcXYZ019_.-'),
        minLength: 1,
        maxLength: 128,
      }),
    ),
  )
  .map(([registry, path, tag]) => `${registry}/${path.join('/')}:${/^[.-]/.test(tag) ? `t${tag}` : tag}`);

/** Keys as Anchore writes them: image digests, `<digest>/<fulltag>`, uuids, `<account>/<op>/<type>/<sha256>`. */
const anchoreKey = fc.oneof(
  hex(64).map((h) => `sha256:${h}`),
  fc.tuple(hex(64), fullTag).map(([h, tag]) => `sha256:${h}/${tag}`),
  fc.uuid(),
  fc
    .tuple(lower(10), fc.uuid(), fc.constantFrom('packages', 'dockerfile', 'manifest'), hex(64))
    .map(([a, op, type, h]) => `${a}/${op}/${type}/${h}`),
);

/**
 * Characters of adversarial keys: the separators Anchore keys hold ('/', ':'), URL and shell specials, quotes,
 * backslash, '?', '#', tab, dots (so '.' and '..' segments happen), and Unicode (two- to four-byte UTF-8, a
 * combining accent, NBSP, BOM, LINE SEPARATOR). Never NUL: archive_metadata's keys are PostgreSQL varchar, which
 * cannot hold U+0000, so no key Anchore wrote has one.
 */
const KEY_UNITS = [
  ...'abcXYZ0189',
  ...'/:@ %+&="\'\\?#\t.-_~*!$;,()[]{}<>|^`',
  'é',
  'ü',
  'ключ',
  '✓',
  '文',
  '😀',
  'e\u0301',
  '\u00a0',
  '\ufeff',
  '\u2028',
];
/** Units of adversarial keys, with separators and dots often enough that `//`, `/./` and `..` segments happen. */
const keyUnit = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('/', '.', ':') },
  { weight: 10, arbitrary: fc.constantFrom(...KEY_UNITS) },
);
const adversarialKey = fc.string({ unit: keyUnit, minLength: 1, maxLength: 40 });

/** Keys with a long segment (around a file system's 255-byte name limit) or long overall (around 1024 bytes). */
const longKey = fc.oneof(
  fc
    .tuple(fc.integer({ min: 250, max: 260 }), fc.constantFrom('a', 'ü', '✓'), adversarialKey)
    .map(([n, c, rest]) => `${c.repeat(Math.ceil(n / Buffer.byteLength(c)))}/${rest}`),
  fc
    .tuple(fc.integer({ min: 940, max: 1010 }), adversarialKey)
    .map(
      ([n, rest]) =>
        `${rest}/${'k'.repeat(200)}/${'l'.repeat(200)}/${'m'.repeat(200)}/${'n'.repeat(n - 600)}`,
    ),
);

/** Document keys: Anchore's own shapes, adversarial ones, and long ones. */
export const keyArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: anchoreKey },
  { weight: 6, arbitrary: adversarialKey },
  { weight: 1, arbitrary: longKey },
);

/** One document of a property run. */
export interface PropertyDoc {
  readonly bucket: string;
  readonly key: string;
  readonly body: Buffer;
}

/**
 * Keys a backend might confuse with `key`: path normalizations (a doubled, leading or trailing '/', `./`,
 * `x/../`), a key under it as a directory, URL decodings ('+' as space, `%2F` as '/', percent-encoding), Unicode
 * normalization and case folding. Written in the same run as `key`, each must stay a document of its own.
 */
const VARIANTS: ReadonlyArray<(key: string) => string> = [
  (k) => `${k}/`,
  (k) => `/${k}`,
  (k) => k.replace('/', '//'),
  (k) => k.replace('/', '/./'),
  (k) => `x/../${k}`,
  (k) => `${k}/x`,
  (k) => k.replaceAll(' ', '+'),
  (k) => k.replaceAll('+', ' '),
  (k) => k.replaceAll('/', '%2F'),
  (k) => encodeURIComponent(k),
  (k) => k.normalize('NFD'),
  (k) => k.normalize('NFC'),
  (k) => k.toUpperCase(),
  (k) => k.toLowerCase(),
];

/**
 * Up to `max` documents with distinct (bucket, key), each with the fields of `extra` (the property's own choices
 * per document), and up to two more under a variant of another's key (same bucket).
 */
export function docsArb<E extends object>(
  max: number,
  extra: fc.Arbitrary<E>,
): fc.Arbitrary<Array<PropertyDoc & E>> {
  const doc = fc
    .tuple(fc.record({ bucket: bucketArb, key: keyArb, body: bodyArb }), extra)
    .map(([d, e]): PropertyDoc & E => ({ ...e, ...d }));
  return fc
    .tuple(
      fc.uniqueArray(doc, { minLength: 1, maxLength: max, selector: (d) => `${d.bucket}\n${d.key}` }),
      fc.array(fc.tuple(fc.nat(), fc.nat({ max: VARIANTS.length - 1 }), bodyArb, extra), { maxLength: 2 }),
    )
    .map(([docs, variants]) => {
      const all: Array<PropertyDoc & E> = [...docs];
      for (const [of, how, body, e] of variants) {
        const base = docs[of % docs.length] as PropertyDoc;
        const key = (VARIANTS[how] as (k: string) => string)(base.key);
        if (!all.some((d) => d.bucket === base.bucket && d.key === key))
          all.push({ ...e, bucket: base.bucket, key, body });
      }
      return all;
    });
}

/** The object key the s3 and swift drivers of real-drivers.ts write (prefix `anchore/`). */
const objectKey = (ref: DocumentRef): string => `anchore/${ref.userId}/${ref.bucket}/${ref.key}`;

/**
 * Why `store` cannot hold the document `ref` (undefined when it can). These are the backends' limits, not the
 * drivers': each was found by the driver property on the dev stack and is excluded only here, by name.
 *
 * - db, db2, localfs: none (localfs names files by md5; PostgreSQL's only limit, NUL, never occurs in a key).
 * - swift: an object name is at most 1024 bytes (max_object_name_length); longer is a 412, DocumentRejectedError.
 * - s3 (both servers): an object key is at most 1024 bytes (S3's limit; SeaweedFS refuses more, VersityGW not).
 * - VersityGW and SeaweedFS keep objects as files, so a key is a path:
 *   - a segment (between '/') longer than 255 bytes, NAME_MAX, is refused (KeyTooLongError);
 *   - empty, '.' and '..' segments (a leading, trailing or doubled '/', `a/./b`, `a/../b`) are normalized away:
 *     VersityGW stores `a/../b` as `b`, `a//b` and `a/./b` as `a/b`, `/a` as `a` — two keys, one object, without an
 *     error — or refuses the key (a trailing '/': DirectoryObjectContainsData); SeaweedFS refuses '.' and '..'
 *     segments (InvalidRequest), stores `a//b` as `a/b` and `/a` as `a`, and keeps `a/` as a directory entry
 *     (which `a` then replaces): a body of more than 1024 bytes written under `a/` is answered 200 and reads
 *     back empty, and an overwrite there can keep the older body.
 */
export function keyLimit(store: RealStore, ref: DocumentRef): string | undefined {
  if (store === 'db' || store === 'db2' || store === 'localfs') return undefined;
  const bytes = Buffer.byteLength(objectKey(ref));
  if (store === 'swift') return bytes > 1024 ? `Swift object name of ${bytes} bytes > 1024` : undefined;
  if (bytes > 1024) return `S3 object key of ${bytes} bytes > 1024`;
  const segments = ref.key.split('/');
  const long = segments.find((s) => Buffer.byteLength(s) > 255);
  if (long !== undefined) return `a key segment of ${Buffer.byteLength(long)} bytes > NAME_MAX (255)`;
  if (segments.some((s) => s === '' || s === '.' || s === '..'))
    return 'an empty, "." or ".." key segment (normalized as a path)';
  return undefined;
}

/**
 * Why `store` cannot hold a key and a key under it as a directory (`x` and `x/y`, same account and bucket) side
 * by side, or undefined when it can. VersityGW (files and directories) refuses whichever comes second
 * (ObjectParentIsFile, ExistingObjectIsDirectory). SeaweedFS holds both when written one after the other, but
 * written at once (as putMany and a migration's copy do) it loses `x` about one time in ten: both PUTs answer 200,
 * and `x` is then absent.
 */
function directoryConflict(store: RealStore): string | undefined {
  if (store === 's3-versitygw') return 'a key and a key under it cannot both exist (files and directories)';
  if (store === 's3-seaweedfs') return 'a key and a key under it written at once can lose the first (race)';
  return undefined;
}

/** Documents of one run that `store` cannot hold side by side: the shorter key of each pair `x`, `x/y`. */
export function conflictingDocs<D extends { bucket: string; key: string }>(
  store: RealStore,
  docs: readonly D[],
): D[] {
  if (!directoryConflict(store)) return [];
  return docs.filter((a) => docs.some((b) => b.bucket === a.bucket && b.key.startsWith(`${a.key}/`)));
}

/** The documents of a run `stores` can all hold, and why each other one is left out. */
export function holdable<D extends { bucket: string; key: string }>(
  stores: readonly RealStore[],
  userId: string,
  docs: readonly D[],
): { kept: D[]; excluded: Array<{ doc: D; why: string }> } {
  const excluded: Array<{ doc: D; why: string }> = [];
  let kept = [...docs];
  for (const store of stores) {
    kept = kept.filter((doc) => {
      const why = keyLimit(store, { userId, bucket: doc.bucket, key: doc.key });
      if (why) excluded.push({ doc, why: `${store}: ${why}` });
      return !why;
    });
    const conflicts = new Set(conflictingDocs(store, kept));
    for (const doc of conflicts) excluded.push({ doc, why: `${store}: ${directoryConflict(store)}` });
    kept = kept.filter((d) => !conflicts.has(d));
  }
  return { kept, excluded };
}
