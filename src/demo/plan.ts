/**
 * What the demo writes: a deterministic stream of document specs (account, logical bucket, key, target size)
 * shaped like a real Anchore catalog. Images are analyzed one after another and each leaves Anchore's set of
 * documents behind (anchore-storage.md §5); policy bundles, grype DB blobs and archived images are mixed in.
 */
import { LOGICAL_BUCKETS } from '../shared/logical-buckets';
import { createRandom, type Random } from './random';
import { ACCOUNT_NAMES, DISTROS, REGISTRIES, REPOSITORIES } from './vocabulary';

/** Logical buckets the demo fills: all of Anchore's, object store first, then the analysis archive. */
export const DEMO_BUCKETS = LOGICAL_BUCKETS;

export type DemoBucket = (typeof DEMO_BUCKETS)[number];

/** The bucket of Anchore's analysis-archive store; every other bucket is in the object store. */
export const ANALYSIS_ARCHIVE_BUCKET = 'analysis_archive';

/** Options of a demo run; the same options always give the same documents. */
export interface DemoPlanOptions {
  /** Any string; same seed, same keys and bytes. */
  readonly seed: string;
  /** Number of documents. */
  readonly documents: number;
  /** Number of accounts (Anchore's userId); `admin` is always the first. */
  readonly accounts: number;
  /** Only analysis-archive tarballs (to demo `--from-analysis-archive` migrations). @default false */
  readonly analysisArchiveOnly?: boolean;
}

/** An analyzed image, the subject of most documents. */
export interface DemoImage {
  readonly account: string;
  readonly digest: string;
  readonly imageId: string;
  /** Manifest-list digest of multi-arch images. */
  readonly parentDigest?: string;
  readonly registry: string;
  readonly repository: string;
  /** Full tags, `registry/repository:tag`. */
  readonly tags: readonly string[];
  readonly distro: string;
  readonly distroVersion: string;
  readonly pkgType: string;
  /** Epoch seconds. */
  readonly analyzedAt: number;
}

/** One document to write. */
export interface DemoDocSpec {
  /** Position in the stream: the per-document random generator is derived from it. */
  readonly index: number;
  readonly userId: string;
  readonly bucket: DemoBucket;
  readonly key: string;
  /** Approximate logical (uncompressed) size to build. */
  readonly targetBytes: number;
  readonly image?: DemoImage;
  /** For vulnerability_scan and policy_evaluations: the tag the document is about. */
  readonly tag?: string;
  /**
   * Written with compression off, as if stored before the operator enabled it: real catalogs mix both.
   * Only matters when the config enables compression.
   */
  readonly writtenBeforeCompression: boolean;
}

type SpecDraft = Omit<DemoDocSpec, 'index' | 'targetBytes' | 'writtenBeforeCompression'>;

const KIB = 1024;
const MIB = 1024 * KIB;
/** 2023-11-14T22:13:20Z: demo timestamps count back from here so they do not depend on the clock. */
export const DEMO_EPOCH = 1_700_000_000;
/** One grype DB blob per this many documents (the first one early, so small demos have one). */
const GRYPEDB_EVERY = 4000;

/** Account names for `n` accounts. */
export function demoAccounts(n: number): string[] {
  return Array.from({ length: n }, (_, i) => ACCOUNT_NAMES[i] ?? `team-${i + 1}`);
}

/** The first `documents` specs of the stream for `seed`. */
export function* planDemoDocuments(opts: DemoPlanOptions): Generator<DemoDocSpec> {
  const rand = createRandom(opts.seed, 'plan');
  let index = 0;
  for (const draft of drafts(rand, demoAccounts(opts.accounts), opts.analysisArchiveOnly === true)) {
    if (index >= opts.documents) return;
    yield {
      ...draft,
      index: index++,
      targetBytes: targetBytes(draft.bucket, rand),
      writtenBeforeCompression: rand.chance(0.3),
    };
  }
}

function* drafts(rand: Random, accounts: readonly string[], archiveOnly: boolean): Generator<SpecDraft> {
  let produced = 0;
  let nextGrypeDb = 5;
  if (!archiveOnly) {
    for (const account of accounts) {
      produced++;
      yield policyBundle(rand, account);
    }
  }
  for (;;) {
    const image = makeImage(rand, accounts);
    const docs = archiveOnly ? [archived(image)] : imageDocuments(rand, image);
    if (!archiveOnly && produced >= nextGrypeDb) {
      nextGrypeDb += GRYPEDB_EVERY;
      docs.push({ userId: 'admin', bucket: 'grypedb', key: rand.hex(64) });
    }
    if (!archiveOnly && rand.chance(0.02)) docs.push(policyBundle(rand, image.account));
    for (const d of docs) {
      produced++;
      yield d;
    }
  }
}

function imageDocuments(rand: Random, image: DemoImage): SpecDraft[] {
  const base = { userId: image.account, image };
  const byDigest = (bucket: DemoBucket): SpecDraft => ({ ...base, bucket, key: image.digest });
  const docs: SpecDraft[] = [
    byDigest('analysis_data'),
    byDigest('image_content_data'),
    byDigest('image_summary_data'),
    byDigest('manifest_data'),
  ];
  if (image.parentDigest) docs.push(byDigest('parent_manifest_data'));
  docs.push(byDigest('syft_sbom'));
  if (rand.chance(0.6)) docs.push(byDigest('query_data'));
  for (const tag of image.tags) {
    docs.push({ ...base, bucket: 'vulnerability_scan', key: `${image.digest}/${tag}`, tag });
    if (rand.chance(0.7)) docs.push({ ...base, bucket: 'policy_evaluations', key: rand.hex(32), tag });
  }
  if (rand.chance(0.05)) {
    docs.push({
      ...base,
      bucket: 'image_content_imports',
      key: `${image.account}/import/packages/${rand.hex(64)}`,
    });
  }
  if (rand.chance(0.12)) docs.push(archived(image));
  return docs;
}

function archived(image: DemoImage): SpecDraft {
  return { userId: image.account, image, bucket: ANALYSIS_ARCHIVE_BUCKET, key: `${image.digest}.tar.gz` };
}

function policyBundle(rand: Random, account: string): SpecDraft {
  const id = rand.hex(32);
  const uuid = `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`;
  return { userId: account, bucket: 'policy_bundles', key: uuid };
}

function makeImage(rand: Random, accounts: readonly string[]): DemoImage {
  // admin (first) analyzes fewer images than the team accounts.
  const account = accounts.length === 1 || rand.chance(0.1) ? 'admin' : rand.pick(accounts.slice(1));
  const registry = rand.pick(REGISTRIES);
  const repository = rand.pick(REPOSITORIES);
  const distro = rand.pick(DISTROS);
  const minor = rand.int(0, 30);
  const tagNames = ['latest', `1.${minor}`, `1.${minor}.${rand.int(0, 12)}`, 'stable', `v2.${minor}`];
  const tags = new Set<string>();
  const tagCount = rand.int(1, 3);
  while (tags.size < tagCount) tags.add(`${registry}/${repository}:${rand.pick(tagNames)}`);
  return {
    account,
    digest: `sha256:${rand.hex(64)}`,
    imageId: rand.hex(64),
    ...(rand.chance(0.4) ? { parentDigest: `sha256:${rand.hex(64)}` } : {}),
    registry,
    repository,
    tags: [...tags],
    distro: distro.name,
    distroVersion: rand.pick(distro.versions),
    pkgType: distro.pkgType,
    analyzedAt: DEMO_EPOCH - rand.int(0, 365 * 86400),
  };
}

/**
 * Logical size to aim for: mostly 1–64 KiB, a tail of large analyses and SBOMs up to 8 MiB, grype DBs of a few
 * MiB. With this mix the average is about 13 KiB: 20,000 documents are about 250 MiB.
 */
function targetBytes(bucket: DemoBucket, rand: Random): number {
  const withTail = (lo: number, hi: number, tail: number, tailHi: number, huge = 0): number => {
    const r = rand.next();
    if (r < huge) return rand.logUniform(1 * MIB, 8 * MIB);
    if (r < huge + tail) return rand.logUniform(hi, tailHi);
    return rand.logUniform(lo, hi);
  };
  switch (bucket) {
    case 'analysis_data':
      return withTail(3 * KIB, 48 * KIB, 0.02, 1 * MIB, 0.0015);
    case 'syft_sbom':
      return withTail(3 * KIB, 48 * KIB, 0.02, 1 * MIB, 0.001);
    case 'image_content_data':
      return withTail(3 * KIB, 64 * KIB, 0.02, 512 * KIB);
    case 'vulnerability_scan':
      return withTail(2 * KIB, 32 * KIB, 0.01, 256 * KIB);
    case 'policy_evaluations':
      return rand.logUniform(1 * KIB, 32 * KIB);
    case 'policy_bundles':
      return rand.logUniform(2 * KIB, 24 * KIB);
    case 'query_data':
      return rand.logUniform(1 * KIB, 16 * KIB);
    case 'image_content_imports':
      return rand.logUniform(2 * KIB, 32 * KIB);
    case 'image_summary_data':
      return rand.logUniform(1 * KIB, 4 * KIB);
    case 'manifest_data':
      return rand.logUniform(1 * KIB, 6 * KIB);
    case 'parent_manifest_data':
      return rand.logUniform(1 * KIB, 3 * KIB);
    case 'grypedb':
      return rand.logUniform(2 * MIB, 8 * MIB);
    case 'analysis_archive':
      return withTail(16 * KIB, 256 * KIB, 0.03, 2 * MIB);
  }
}
