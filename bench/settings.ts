/**
 * Benchmark settings from the environment (`BENCH_*`), so `make bench` runs the full size and development runs
 * scale down: `BENCH_DOCS=3000 BENCH_SCALES=1000,30000 BENCH_SMALL_ABOVE=3000 npm run bench`.
 */
import { join } from 'node:path';

export const ROOT = join(__dirname, '../../../..');

const int = (name: string, dflt: number): number => {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got '${v}'`);
  return n;
};
const ints = (name: string, dflt: string): number[] =>
  (process.env[name] ?? dflt)
    .split(',')
    .filter((s) => s.trim() !== '')
    .map((s) => {
      const n = Number(s);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`${name}: '${s}' is not a positive integer`);
      return n;
    });

export interface Settings {
  /** Documents of the main data set (ceiling, db→s3, s3→s3, rclone). */
  readonly docs: number;
  /** Further catalog sizes for memory and history (the main run is one more); the largest also times `plan`. */
  readonly scales: number[];
  /** Scales above this use small documents (256 B–4 KiB). */
  readonly smallAbove: number;
  /** Migrations of those scales are cancelled after this many seconds (0 = run to the end). */
  readonly bigSeconds: number;
  /** The old way's own catalog size, and its time cap (it is sequential; its rate is what matters). */
  readonly oldWayDocs: number;
  readonly oldWaySeconds: number;
  /** The floor's own catalog (it deletes what it moves) and the chunks each of its threads keeps in flight. */
  readonly floorDocs: number;
  readonly floorLanes: number;
  /** Documents of the staged catalog the cutover row measures (BENCH_SKIP=cutover leaves it out). */
  readonly cutoverDocs: number;
  /** Ceiling concurrency sweep and the documents each step writes. */
  readonly sweep: number[];
  readonly sweepDocs: number;
  readonly workers: number;
  /** Destination `min_size_kbytes`: 43 compresses about a third of the 1–64 KiB documents (and the tail). */
  readonly minSizeKbytes: number;
  readonly rcloneTransfers: number;
  readonly cpuProfile: boolean;
  /** Further `migrate` options for every migration, to compare settings (e.g. `--page-size 1000`). */
  readonly migrateArgs: string[];
  /** One-way latency Toxiproxy adds between the migrators and S3 / PostgreSQL in the latency phases (ms). */
  readonly latencyS3Ms: number;
  readonly latencyPgMs: number;
  /** Documents of each latency phase's catalog, the old way's time cap there, and the worker counts of db→s3. */
  readonly latencyDocs: number;
  readonly latencyOldWaySeconds: number;
  readonly latencyWorkers: number[];
  readonly keepStack: boolean;
  readonly skip: Set<string>;
  readonly dataDir: string;
  /**
   * Where the results files go: bench/results for a full run (`make bench`, no BENCH_* set), else
   * .data/bench/results, so development runs never end up among the results by accident.
   */
  readonly resultsDir: string;
  readonly ports: Record<string, string>;
}

export function loadSettings(): Settings {
  const docs = int('BENCH_DOCS', 100_000);
  return {
    docs,
    scales: ints('BENCH_SCALES', '10000,1000000'),
    smallAbove: int('BENCH_SMALL_ABOVE', 100_000),
    bigSeconds: int('BENCH_BIG_SECONDS', 360),
    oldWayDocs: int('BENCH_OLDWAY_DOCS', Math.min(docs, 10_000)),
    oldWaySeconds: int('BENCH_OLDWAY_SECONDS', 300),
    // The CPU targets compare per-document costs: the floors move as many documents as db→s3 does.
    floorDocs: int('BENCH_FLOOR_DOCS', docs),
    floorLanes: int('BENCH_FLOOR_LANES', 4),
    cutoverDocs: int('BENCH_CUTOVER_DOCS', docs),
    sweep: ints('BENCH_SWEEP', '8,16,32,64'),
    sweepDocs: int('BENCH_SWEEP_DOCS', Math.min(docs, 3000)),
    workers: int('BENCH_WORKERS', 2),
    minSizeKbytes: int('BENCH_MIN_SIZE_KBYTES', 43),
    rcloneTransfers: int('BENCH_RCLONE_TRANSFERS', 32),
    cpuProfile: process.env.BENCH_CPU_PROF === '1',
    migrateArgs: (process.env.BENCH_MIGRATE_ARGS ?? '').split(/\s+/).filter(Boolean),
    latencyS3Ms: int('BENCH_LATENCY_S3_MS', 10),
    latencyPgMs: int('BENCH_LATENCY_PG_MS', 1),
    latencyDocs: int('BENCH_LATENCY_DOCS', Math.min(docs, 20_000)),
    latencyOldWaySeconds: int('BENCH_LATENCY_OLDWAY_SECONDS', 120),
    latencyWorkers: ints('BENCH_LATENCY_WORKERS', '1,2,4'),
    keepStack: process.env.BENCH_KEEP_STACK === '1',
    skip: new Set((process.env.BENCH_SKIP ?? '').split(',').filter(Boolean)),
    dataDir: process.env.BENCH_DATA_DIR ?? join(ROOT, '.data/bench/stack'),
    resultsDir:
      process.env.BENCH_RESULTS_DIR ??
      join(
        ROOT,
        Object.keys(process.env).some((k) => k.startsWith('BENCH_'))
          ? '.data/bench/results'
          : 'bench/results',
      ),
    // Below Linux's ephemeral range (32768–60999): a client socket in TIME-WAIT there (left by `make test`)
    // blocked the bench's S3 listener on 43070.
    ports: {
      TEMPORAL_PORT: process.env.BENCH_TEMPORAL_PORT ?? '27233',
      TEMPORAL_UI_PORT: process.env.BENCH_TEMPORAL_UI_PORT ?? '28233',
      TEMPORAL_HTTP_PORT: process.env.BENCH_TEMPORAL_HTTP_PORT ?? '27243',
      TEMPORAL_METRICS_PORT: process.env.BENCH_TEMPORAL_METRICS_PORT ?? '29233',
      S3_PORT: process.env.BENCH_S3_PORT ?? '27070',
      SWIFT_PORT: process.env.BENCH_SWIFT_PORT ?? '27080', // stack.sh also starts Swift on this and the next 4
    },
  };
}
