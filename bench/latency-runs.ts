/**
 * The latency phases: the old way, the floor, the safe floor, db→s3 with 1, 2 and 4 workers, s3→s3 and rclone,
 * all through the latency proxies (latency.ts), each on a catalog of its own. What a user with S3 and PostgreSQL
 * milliseconds away sees, beside the loopback figures of the same run.
 */
import { anchoreManagerMigrate, type OldWayResult } from './baselines/anchore-manager';
import { floorMigrate, type FloorResult } from './baselines/floor';
import { createCatalog, fillCatalog, settle, type BenchCatalog } from './catalog';
import { s3Config } from './configs';
import { startLatencyNetwork, type LatencyNetwork } from './latency';
import type { MigrationRun } from './migrate';
import { rcloneMove, type RcloneRun } from './rclone';
import { PREFIX, removeBucketDir, s3Driver } from './s3';
import type { Settings } from './settings';
import type { Stack } from './stack';
import { createCatalogPool } from '../src/catalog';

export type { LatencyNetwork };

/** What run.ts lends the latency phases: its phase runner, baseline, migration and CPU measurement. */
export interface BenchContext {
  phase<T>(name: string, fn: () => Promise<T>): Promise<T | undefined>;
  baseline<T>(
    label: string,
    docs: number,
    bucket: string,
    documents: (r: T) => number,
    run: (cat: BenchCatalog) => Promise<T>,
    describe: (r: T) => string,
  ): Promise<T>;
  migrate(
    label: string,
    cat: BenchCatalog,
    documents: number,
    from: string,
    to: string,
    stopAfterSeconds?: number,
    over?: { network: LatencyNetwork; workers: number },
  ): Promise<{ result?: MigrationRun }>;
  withCpu<T>(label: string, documents: number, fn: () => Promise<T>): Promise<T>;
  log(m: string): void;
  details: Record<string, unknown>;
  dbYaml: string;
  compression: { enabled: boolean; min_size_kbytes: number };
  configDir: string;
}

export interface LatencyRuns {
  readonly s3Ms: number;
  readonly pgMs: number;
  readonly documents: number;
  readonly oldWay?: OldWayResult;
  readonly floor?: FloorResult;
  /** The floor with the journal and verification (what a migration that verifies every copy cannot skip). */
  readonly safeFloor?: FloorResult;
  /** db→s3 by worker count. */
  readonly dbS3: Record<number, MigrationRun>;
  readonly s3S3?: MigrationRun;
  readonly rclone?: RcloneRun;
}

/** The old way is serial: a few thousand documents show its steady rate within its time cap. */
const OLD_WAY_DOCS = 5_000;

export async function measureAtLatency(
  stack: Stack,
  settings: Settings,
  c: BenchContext,
): Promise<LatencyRuns> {
  const network = await startLatencyNetwork(stack, settings.latencyS3Ms, settings.latencyPgMs);
  const docs = settings.latencyDocs;
  const dest = (bucket: string): string =>
    s3Config(c.configDir, network.stack, bucket, settings.minSizeKbytes);
  const runs: { -readonly [K in keyof LatencyRuns]: LatencyRuns[K] } = {
    s3Ms: network.s3Ms,
    pgMs: network.pgMs,
    documents: docs,
    dbS3: {},
  };
  c.log(`  latency: S3 +${network.s3Ms} ms and PostgreSQL +${network.pgMs} ms each way (Toxiproxy)`);
  let kept: BenchCatalog | undefined;
  try {
    runs.oldWay = await c.phase('lat-oldway', () =>
      c.baseline(
        'lat-oldway',
        Math.min(docs, OLD_WAY_DOCS),
        'bench-lat-oldway',
        (o: OldWayResult) => o.migrated,
        async (cat) => {
          const pool = createCatalogPool(network.catalogUrl(cat.url), 2);
          const driver = s3Driver(network.stack, 'bench-lat-oldway');
          try {
            return await anchoreManagerMigrate(pool, driver, c.compression, settings.latencyOldWaySeconds);
          } finally {
            await driver.close();
            await pool.end();
          }
        },
        (r) =>
          `old way at latency: ${r.migrated} documents in ${r.seconds.toFixed(1)} s: ${r.docsPerSecond.toFixed(1)} docs/s`,
      ),
    );
    /** The floor at latency; `safe` adds the journal and verification the safety discipline requires. */
    const floorAt = (label: 'lat-floor' | 'lat-safefloor', safe: boolean) =>
      c.phase(label, () =>
        c.baseline(
          label,
          docs,
          `bench-${label}`,
          (r: FloorResult) => r.documents,
          (cat) =>
            floorMigrate(
              network.catalogUrl(cat.url),
              {
                bucket: `bench-${label}`,
                prefix: PREFIX,
                url: network.stack.s3Endpoint,
                accessKey: stack.s3AccessKey,
                secretKey: stack.s3SecretKey,
                createBucket: true,
              },
              c.compression,
              settings.workers,
              settings.floorLanes,
              safe,
            ),
          (r) =>
            `${safe ? 'safe floor' : 'floor'} at latency: ${r.documents} documents in ${r.seconds.toFixed(1)} s: ${r.docsPerSecond.toFixed(1)} docs/s`,
        ),
      );
    runs.floor = await floorAt('lat-floor', false);
    runs.safeFloor = await floorAt('lat-safefloor', true);
    // The run with the bench's usual worker count keeps its catalog and bucket: s3→s3 moves them on.
    const workerCounts = [...new Set(settings.latencyWorkers)].sort((a, b) => a - b);
    for (const workers of workerCounts) {
      await c.phase(`lat-dbs3-${workers}w`, async () => {
        const cat = await createCatalog(stack.pgAdminUrl, `lat${workers}`);
        const bucket = `bench-lat-a${workers}`;
        let keep = false;
        try {
          await fillCatalog(cat, docs, 'main', c.log);
          await settle(cat);
          const label = `lat-db-to-s3-${workers}w`;
          const r = (
            await c.migrate(label, cat, docs, c.dbYaml, dest(bucket), undefined, { network, workers })
          ).result;
          if (r) runs.dbS3[workers] = r;
          keep = r?.exitCode === 0 && workers === settings.workers && !kept;
          if (keep) kept = cat;
          return r;
        } finally {
          if (!keep) {
            await cat.drop();
            removeBucketDir(settings.dataDir, bucket);
          }
        }
      });
    }
    runs.s3S3 = await c.phase('lat-s3s3', async () => {
      if (!kept) throw new Error(`needs a completed db→s3 run at latency with ${settings.workers} workers`);
      const from = dest(`bench-lat-a${settings.workers}`);
      return (
        await c.migrate('lat-s3-to-s3', kept, docs, from, dest('bench-lat-b'), undefined, {
          network,
          workers: settings.workers,
        })
      ).result;
    });
    runs.rclone = await c.phase('lat-rclone', async () => {
      if (runs.s3S3?.exitCode !== 0) throw new Error('needs a completed s3→s3 run at latency');
      if (kept) await settle(kept);
      const r = await c.withCpu('lat-rclone', docs, () =>
        rcloneMove(network.stack, 'bench-lat-b', 'bench-lat-c', settings.rcloneTransfers),
      );
      c.details['lat-rclone'] = r;
      if (r.exitCode !== 0) throw new Error(`rclone move at latency exited ${r.exitCode}: ${r.stderrTail}`);
      c.log(`  rclone at latency: ${r.seconds.toFixed(1)} s`);
      return r;
    });
  } finally {
    await kept?.drop();
    for (const b of [`bench-lat-a${settings.workers}`, 'bench-lat-b', 'bench-lat-c'])
      removeBucketDir(settings.dataDir, b);
    await network.stop();
  }
  c.details.latency = { s3Ms: runs.s3Ms, pgMs: runs.pgMs, documents: docs };
  return runs;
}

/**
 * The journal's size on disk per migrated document: its table and the compacted rows' (indexes, TOAST and dead
 * row versions included).
 */
export async function journalBytesPerDocument(cat: BenchCatalog, documents: number): Promise<number> {
  const r = await cat.pool.query<{ bytes: string }>(
    `SELECT (coalesce(pg_total_relation_size(to_regclass('objectstorage_journal')), 0)
       + coalesce(pg_total_relation_size(to_regclass('objectstorage_moved')), 0))::text AS bytes`,
  );
  return Number(r.rows[0]?.bytes ?? 0) / documents;
}

/** Samples {@link journalBytesPerDocument} every 2 s until stopped; returns the largest seen. */
export function sampleJournalPeak(cat: BenchCatalog, documents: number): () => Promise<number> {
  let peak = 0;
  let pending: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    pending = journalBytesPerDocument(cat, documents).then(
      (b) => void (peak = Math.max(peak, b)),
      () => undefined,
    );
  }, 2_000);
  return async () => {
    clearInterval(timer);
    await pending;
    return peak;
  };
}
