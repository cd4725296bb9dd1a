/**
 * Reads every demo document back through a store config's managers and compares it with what the seed
 * generates: proof that a migration moved every document intact (digest checked and decompressed by the
 * manager, then compared byte for byte).
 */
import type { ObjectStoreManager } from '../drivers/manager';
import { buildDemoDocument } from './documents';
import { createInFlight } from './in-flight';
import { planDemoDocuments, type DemoBucket, type DemoPlanOptions } from './plan';

/** Options of {@link verifyDemoData}. */
export interface VerifyDemoOptions extends DemoPlanOptions {
  readonly managerFor: (bucket: DemoBucket) => ObjectStoreManager;
  /** Reads in flight. @default 16 */
  readonly concurrency?: number;
}

/** Outcome of a read-back; `problems` holds the first few failures for the operator. */
export interface DemoVerifyResult {
  readonly expected: number;
  readonly matched: number;
  readonly missing: number;
  readonly different: number;
  readonly unreadable: number;
  readonly problems: readonly string[];
}

const MAX_PROBLEMS = 10;

/** Reads back every document of the plan; never throws for a bad document, counts it. */
export async function verifyDemoData(opts: VerifyDemoOptions): Promise<DemoVerifyResult> {
  const r = { expected: 0, matched: 0, missing: 0, different: 0, unreadable: 0 };
  const problems: string[] = [];
  const note = (text: string): void => {
    if (problems.length < MAX_PROBLEMS) problems.push(text);
  };
  const inFlight = createInFlight(opts.concurrency ?? 16);
  for (const spec of planDemoDocuments(opts)) {
    r.expected++;
    const where = `${spec.userId}/${spec.bucket}/${spec.key}`;
    await inFlight.add(
      (async () => {
        try {
          const back = await opts.managerFor(spec.bucket).get(spec.userId, spec.bucket, spec.key);
          if (!back) {
            r.missing++;
            note(`${where}: no archive_metadata row`);
          } else if (back.equals(buildDemoDocument(opts.seed, spec))) {
            r.matched++;
          } else {
            r.different++;
            note(`${where}: the bytes read back differ from the generated document`);
          }
        } catch (err) {
          r.unreadable++;
          note(`${where}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
        }
      })(),
    );
  }
  await inFlight.drain();
  return { ...r, problems };
}
