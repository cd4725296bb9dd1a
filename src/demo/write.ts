/**
 * Writes the demo documents through Anchore-exact object-store managers, with a bounded number of puts in
 * flight: building the next document (CPU) overlaps the database or S3 writes of the previous ones.
 */
import { isUtf8 } from 'node:buffer';
import type { ObjectStoreManager } from '../drivers/manager';
import { buildDemoDocument } from './documents';
import { createInFlight } from './in-flight';
import { planDemoDocuments, type DemoBucket, type DemoDocSpec, type DemoPlanOptions } from './plan';

/** The two managers of one store: with the config's compression, and with compression off. */
export interface DemoStore {
  readonly current: ObjectStoreManager;
  /** For documents "written before compression was enabled"; may be `current` when compression is off. */
  readonly beforeCompression: ObjectStoreManager;
}

/** What was generated, per logical bucket (logical = before compression). */
export interface DemoBucketTotals {
  documents: number;
  logicalBytes: number;
  smallest: number;
  largest: number;
  /** Bodies that are not valid UTF-8 (the `db` driver stores them base64-encoded). */
  nonUtf8: number;
}

/** Options of {@link writeDemoData}. */
export interface WriteDemoOptions extends DemoPlanOptions {
  /** The store a bucket's documents go to (Anchore: `analysis_archive` to the analysis-archive store). */
  readonly storeFor: (bucket: DemoBucket) => DemoStore;
  /** Puts in flight; memory holds at most this many documents (the largest are 8 MiB). @default 8 */
  readonly concurrency?: number;
  /** Called after every 1,000 documents written, with the count so far. */
  readonly onProgress?: (written: number) => void;
}

/** Writes the plan's documents; resolves with per-bucket totals. Stops at the first failed put. */
export async function writeDemoData(opts: WriteDemoOptions): Promise<Map<DemoBucket, DemoBucketTotals>> {
  const totals = new Map<DemoBucket, DemoBucketTotals>();
  const inFlight = createInFlight(opts.concurrency ?? 8);
  let failure: { error: unknown } | undefined;
  let written = 0;
  const put = async (spec: DemoDocSpec, body: Buffer): Promise<void> => {
    const store = opts.storeFor(spec.bucket);
    const manager = spec.writtenBeforeCompression ? store.beforeCompression : store.current;
    await manager.put(spec.userId, spec.bucket, spec.key, body);
    written++;
    if (written % 1000 === 0) opts.onProgress?.(written);
  };
  for (const spec of planDemoDocuments(opts)) {
    if (failure) break;
    const body = buildDemoDocument(opts.seed, spec);
    count(totals, spec.bucket, body);
    await inFlight.add(
      put(spec, body).catch((error: unknown) => {
        failure ??= { error };
      }),
    );
  }
  await inFlight.drain();
  if (failure) throw failure.error;
  return totals;
}

function count(totals: Map<DemoBucket, DemoBucketTotals>, bucket: DemoBucket, body: Buffer): void {
  let t = totals.get(bucket);
  if (!t) {
    t = { documents: 0, logicalBytes: 0, smallest: Infinity, largest: 0, nonUtf8: 0 };
    totals.set(bucket, t);
  }
  t.documents++;
  t.logicalBytes += body.length;
  t.smallest = Math.min(t.smallest, body.length);
  t.largest = Math.max(t.largest, body.length);
  if (!isUtf8(body)) t.nonUtf8++;
}
