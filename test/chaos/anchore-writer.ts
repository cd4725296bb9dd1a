/**
 * An Anchore still running on the source config during a --force run (issue 20, deliver 9): it rewrites random
 * documents while they move, through Anchore's own write path (the object, then the row's upsert). A document it
 * rewrote before its move must arrive at its newest version; one it rewrote after its move points back at the
 * source with the new bytes (Anchore's write wins, and the copy it left at the destination is Anchore's orphan).
 * The snapshot is updated with each rewrite, so the end state checks the newest bytes of every document.
 */
import type { Pool } from 'pg';
import { anchoreDbStore } from '../helpers/catalog-db';
import { md5, type Snapshot } from './catalog-fill';

export interface AnchoreWriter {
  /** Documents rewritten so far (snapshot ids). */
  readonly rewritten: ReadonlySet<string>;
  /** Stops after the current write; resolves with the number of rewrites. */
  stop(): Promise<number>;
}

export function startAnchoreWriter(
  pool: Pool,
  snapshot: Snapshot,
  opts: { count: number; intervalMs: number },
): AnchoreWriter {
  const store = anchoreDbStore(pool);
  const ids = [...snapshot.keys()];
  const rewritten = new Set<string>();
  let stopped = false;
  let writes = 0;
  const loop = (async () => {
    while (!stopped && writes < opts.count) {
      await new Promise((r) => setTimeout(r, opts.intervalMs));
      const id = ids[Math.floor(Math.random() * ids.length)] as string;
      const [userId, bucket, key] = id.split('\0') as [string, string, string];
      const body = Buffer.from(JSON.stringify({ rewrittenBy: 'anchore', key, at: Date.now(), n: writes }));
      await store.put(userId, bucket, key, body);
      snapshot.set(id, md5(body));
      rewritten.add(id);
      writes++;
    }
  })();
  return {
    rewritten,
    async stop() {
      stopped = true;
      await loop;
      return writes;
    },
  };
}
