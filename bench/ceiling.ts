/**
 * The ceiling: the project's S3 client writing the same stored bytes as the db→s3 migration (same documents,
 * same compression rule), with tight parallel PutObject and nothing else — no Temporal, no verify, no catalog.
 * Bodies are generated and compressed in batches outside the timed part; only the PUTs are timed.
 */
import { encodeStored } from '../src/drivers/stored-bytes';
import type { PutItem } from '../src/drivers/types';
import { docBody, docRef, type SizeMix } from './dataset';
import { s3Driver } from './s3';
import type { Stack } from './stack';

export interface CeilingRun {
  readonly concurrency: number;
  readonly documents: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly docsPerSecond: number;
  readonly mibPerSecond: number;
}

const BATCH_BYTES = 256 * 1024 * 1024;
const BATCH_DOCS = 4000;

/** Writes documents [0, count) to `bucket` with `concurrency` PUTs in flight. */
export async function putAll(
  stack: Stack,
  bucket: string,
  count: number,
  mix: SizeMix,
  minSizeKbytes: number,
  concurrency: number,
): Promise<CeilingRun> {
  const driver = s3Driver(stack, bucket, { parallelism: concurrency });
  await driver.selfCheck(); // creates the bucket, warms one connection; not timed
  const compression = { enabled: true, min_size_kbytes: minSizeKbytes };
  let timedMs = 0;
  let bytes = 0;
  try {
    for (let next = 0; next < count;) {
      const batch: PutItem[] = [];
      let batchBytes = 0;
      while (next < count && batch.length < BATCH_DOCS && batchBytes < BATCH_BYTES) {
        const data = encodeStored(docBody(next, mix), compression, true).data;
        batch.push({ ref: docRef(next), data });
        batchBytes += data.length;
        next++;
      }
      const t0 = process.hrtime.bigint();
      let i = 0;
      const loop = async (): Promise<void> => {
        while (i < batch.length) {
          const item = batch[i++] as PutItem;
          await driver.put(item.ref, item.data);
        }
      };
      await Promise.all(Array.from({ length: concurrency }, loop));
      timedMs += Number(process.hrtime.bigint() - t0) / 1e6;
      bytes += batchBytes;
    }
  } finally {
    await driver.close();
  }
  const seconds = timedMs / 1000;
  return {
    concurrency,
    documents: count,
    bytes,
    seconds,
    docsPerSecond: count / seconds,
    mibPerSecond: bytes / 1024 / 1024 / seconds,
  };
}

export interface Ceiling {
  readonly sweep: CeilingRun[];
  readonly best: CeilingRun;
}

/** Short sweep over concurrencies on the first `sweepDocs` documents, then all `count` at the best one. */
export async function measureCeiling(
  stack: Stack,
  count: number,
  mix: SizeMix,
  minSizeKbytes: number,
  sweep: number[],
  sweepDocs: number,
  log: (m: string) => void,
): Promise<Ceiling> {
  const runs: CeilingRun[] = [];
  for (const c of sweep) {
    const r = await putAll(stack, 'bench-ceiling-sweep', sweepDocs, mix, minSizeKbytes, c);
    log(
      `  ceiling sweep: concurrency ${c}: ${r.docsPerSecond.toFixed(0)} docs/s, ${r.mibPerSecond.toFixed(1)} MiB/s`,
    );
    runs.push(r);
  }
  const bestC = runs.reduce((a, b) => (b.docsPerSecond > a.docsPerSecond ? b : a)).concurrency;
  const best = await putAll(stack, 'bench-ceiling', count, mix, minSizeKbytes, bestC);
  log(`  ceiling: ${count} documents at concurrency ${bestC}: ${best.docsPerSecond.toFixed(0)} docs/s`);
  return { sweep: runs, best };
}
