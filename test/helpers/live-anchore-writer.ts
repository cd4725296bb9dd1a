/**
 * An Anchore that keeps serving while a migration is staged: through Anchore's own write path on the source
 * config (the project's Anchore-format manager: object first, then the row's upsert; deletes: row first, then
 * the object) it rewrites existing documents, adds new ones and deletes some. It remembers each document's
 * latest bytes and which it deleted, so a test can check the end state against what Anchore last wrote.
 */
import type { ObjectStoreManager } from '../../src/drivers/manager';
import { prng, type FixtureDoc } from './fixture';

export interface LiveWriter {
  /** Stops after the current write; resolves with what it did. */
  stop(): Promise<{ rewrites: number; adds: number; deletes: number }>;
  /** Every document Anchore holds now, with its latest bytes. */
  latest(): FixtureDoc[];
  /** Documents Anchore deleted. */
  deleted(): FixtureDoc[];
}

const id = (d: FixtureDoc): string => `${d.userId}\0${d.bucket}\0${d.key}`;

export function startLiveWriter(
  manager: ObjectStoreManager,
  docs: readonly FixtureDoc[],
  opts: { intervalMs: number; seed?: number },
): LiveWriter {
  const rand = prng(opts.seed ?? 7);
  const live = new Map(docs.map((d) => [id(d), d]));
  const gone = new Map<string, FixtureDoc>();
  const counts = { rewrites: 0, adds: 0, deletes: 0 };
  let stopped = false;
  const pick = (): FixtureDoc => {
    const all = [...live.values()];
    return all[Math.floor(rand() * all.length)] as FixtureDoc;
  };
  const loop = (async () => {
    for (let n = 0; !stopped; n++) {
      await new Promise((r) => setTimeout(r, opts.intervalMs));
      const roll = rand();
      if (roll < 0.6 && live.size > 0) {
        const d = pick();
        const logical = Buffer.from(JSON.stringify({ document: { rewrittenBy: 'anchore', key: d.key, n } }));
        await manager.put(d.userId, d.bucket, d.key, logical);
        live.set(id(d), { ...d, logical });
        counts.rewrites++;
      } else if (roll < 0.85) {
        const template = pick();
        const d: FixtureDoc = {
          userId: template.userId,
          bucket: template.bucket,
          key: `live-${n}-${Math.floor(rand() * 1e9)}`,
          logical: Buffer.from(JSON.stringify({ document: { addedBy: 'anchore', n } })),
        };
        await manager.put(d.userId, d.bucket, d.key, d.logical);
        live.set(id(d), d);
        counts.adds++;
      } else if (live.size > 1) {
        const d = pick();
        await manager.delete(d.userId, d.bucket, d.key);
        live.delete(id(d));
        gone.set(id(d), d);
        counts.deletes++;
      }
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return counts;
    },
    latest: () => [...live.values()],
    deleted: () => [...gone.values()].filter((d) => !live.has(id(d))),
  };
}
