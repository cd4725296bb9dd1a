/**
 * `make bench` / `npm run bench`: prepares the data once and measures, on one machine and one stack, the
 * ceiling, the old way, db→s3, s3→s3 against rclone, memory and history at several sizes, `plan` and the
 * first progress event; writes bench/results/<date>-<time>.md and .json with each ratio next to its target.
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { logSize, requestsSince, truncateLog } from './access-log';
import { anchoreManagerMigrate, type OldWayResult } from './baselines/anchore-manager';
import { floorMigrate, type FloorResult } from './baselines/floor';
import { s3FloorMigrate } from './baselines/s3-floor';
import {
  createCatalog,
  catalogTotals,
  counterDelta,
  fillCatalog,
  pgCounters,
  scanDelta,
  settle,
  tableScans,
  type BenchCatalog,
} from './catalog';
import { measureCeiling, type Ceiling } from './ceiling';
import { cpuDelta, cpuSnapshot, describeCpu, describeCpuPerDocument, type CpuUse } from './cpu';
import { cliEnv, dbConfig, s3Config } from './configs';
import { measureCutover, type CutoverRun } from './cutover';
import {
  journalBytesPerDocument,
  sampleJournalPeak,
  measureAtLatency,
  type LatencyNetwork,
  type LatencyRuns,
} from './latency-runs';
import { summarizeProfile } from './cpu-profile';
import { docBody, docRef, type SizeMix } from './dataset';
import { measureMigration, profilesIn, type MigrationRun } from './migrate';
import { BIN } from './processes';
import { rcloneMove, type RcloneRun } from './rclone';
import { target, writeResults, type Figure, type Target } from './report';
import { countObjects, removeBucketDir, s3Driver, s3Options } from './s3';
import { loadSettings } from './settings';
import { machine, stackDown, stackUp, versions, type Stack } from './stack';
import { md5Hex } from '../src/drivers/util';

const settings = loadSettings();
const t0 = Date.now();
const log = (m: string): void =>
  void process.stderr.write(`[bench +${((Date.now() - t0) / 1000).toFixed(0)}s] ${m}\n`);
const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
const MIB = 1024 * 1024;
const MB = 1e6;

interface Phase<T> {
  result?: T;
  s3Requests?: Record<string, number>;
  sql?: unknown;
  note?: string;
}

const errors: string[] = [];
async function phase<T>(name: string, fn: () => Promise<T>): Promise<T | undefined> {
  if (settings.skip.has(name)) {
    log(`${name}: skipped (BENCH_SKIP)`);
    return undefined;
  }
  log(`${name}: start`);
  try {
    const r = await fn();
    log(`${name}: done`);
    return r;
  } catch (err) {
    const msg = `${name}: ${(err as Error).stack ?? String(err)}`;
    errors.push(msg.split('\n').slice(0, 4).join(' | '));
    log(`${name}: FAILED ${msg}`);
    return undefined;
  }
}

/** Documents of a generated catalog must be the generator's bytes, or the ceiling would write other bytes. */
async function checkGenerator(cat: BenchCatalog, count: number, mix: SizeMix): Promise<void> {
  const ids = Array.from(
    { length: Math.min(count, 25) },
    (_, k) => Math.floor((k * count) / 25) + (k % 2) * 50,
  );
  for (const i of ids.filter((x) => x < count)) {
    const ref = docRef(i);
    const body = docBody(i, mix);
    const r = await cat.pool.query<{ digest: string; size: string }>(
      `SELECT digest, size FROM archive_metadata WHERE "userId" = $1 AND bucket = $2 AND "archiveId" = $3`,
      [ref.userId, ref.bucket, ref.key],
    );
    const row = r.rows[0];
    if (!row || row.digest !== md5Hex(body) || Number(row.size) !== body.length)
      throw new Error(`generated document ${i} differs between SQL and TypeScript`);
  }
}

async function main(): Promise<void> {
  // As bin/objectstorage.js does for the CLI: the SDK's notice about Node 20 is not news to the reader of a bench log.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const stamp = new Date().toISOString().replace(/:/g, '').replace('T', '-').slice(0, 17);
  const runDir = join(settings.dataDir, 'runs', stamp);
  const configDir = join(runDir, 'configs');
  const mach = machine();
  const vers = versions();
  log(
    `load average ${mach.loadStart.join(' ')}; settings ${JSON.stringify({ ...settings, skip: [...settings.skip] })}`,
  );
  const stack: Stack = stackUp(settings);
  const dbYaml = dbConfig(configDir);
  const dest = (bucket: string): string => s3Config(configDir, stack, bucket, settings.minSizeKbytes);
  const compression = { enabled: true, min_size_kbytes: settings.minSizeKbytes };
  const details: Record<string, unknown> = {};
  const figures: Figure[] = [];
  const observations: string[] = [];
  const memoryRuns: Array<{ documents: number; mix: SizeMix; run: MigrationRun }> = [];
  /** CPU seconds per component while `fn` runs, with the documents it moved (known before or from its result). */
  const cpuUse: Record<string, CpuUse & { documents: number }> = {};
  const withCpu = async <T>(
    label: string,
    documents: number | ((r: T) => number),
    fn: () => Promise<T>,
  ): Promise<T> => {
    const run = join(settings.dataDir, 'run');
    const pids = { versitygw: join(run, 'versitygw.pid'), temporal: join(run, 'temporal.pid') };
    const a = cpuSnapshot(pids);
    const r = await fn();
    const moved = typeof documents === 'number' ? documents : documents(r);
    cpuUse[label] = { ...cpuDelta(a, cpuSnapshot(pids)), documents: moved };
    log(`  ${label}: ${describeCpu(cpuUse[label])}`);
    return r;
  };
  const cpuDir = (label: string): string | undefined =>
    settings.cpuProfile ? join(runDir, 'cpu', label) : undefined;
  const migrate = async (
    label: string,
    cat: BenchCatalog,
    documents: number,
    from: string,
    to: string,
    stopAfterSeconds?: number,
    /** Through the latency proxies, with this many workers (default: direct, settings.workers). */
    over?: { network: LatencyNetwork; workers: number },
  ): Promise<Phase<MigrationRun>> => {
    await settle(cat);
    const pg0 = await pgCounters(cat);
    const scans0 = await tableScans(cat);
    const s3From = logSize(stack.accessLog);
    const run = await withCpu(label, documents, () =>
      measureMigration(stack, {
        label,
        documents,
        from,
        to,
        env: over ? cliEnv(over.network.stack, over.network.catalogUrl(cat.url)) : cliEnv(stack, cat.url),
        workers: over?.workers ?? settings.workers,
        extraArgs: settings.migrateArgs,
        logDir: join(runDir, 'logs'),
        ...(cpuDir(label) ? { cpuProfDir: cpuDir(label) } : {}),
        ...(stopAfterSeconds ? { stopAfterSeconds } : {}),
        log,
      }),
    );
    const sql = counterDelta(pg0, await pgCounters(cat));
    const scans = scanDelta(scans0, await tableScans(cat));
    const s3Requests = requestsSince(stack.accessLog, s3From);
    truncateLog(stack.accessLog);
    const dir = cpuDir(label);
    const profiles = dir ? profilesIn(dir).map((f) => summarizeProfile(f)) : [];
    log(
      `  ${label}: ${run.docsPerSecond.toFixed(1)} docs/s in ${run.seconds.toFixed(1)} s, first progress ${run.firstProgressAfter?.toFixed(2)} s, ` +
        `worker peak ${run.workerPeakRssMiB.join('/')} MiB, history ${run.historyEventsPerRun.join('/')}, exit ${run.exitCode}; ` +
        `workers' own CPU ${sum(run.workerCpuSeconds.end).toFixed(1)} s (${sum(run.workerCpuSeconds.ready).toFixed(1)} s of it to start)`,
    );
    details[label] = {
      ...run,
      cpu: cpuUse[label],
      sqlCounters: sql,
      tableScans: scans,
      s3Requests,
      profiles,
    };
    return { result: run, s3Requests, sql };
  };

  let mainCat: BenchCatalog | undefined;
  let mainBytes = 0;
  let ceiling: Ceiling | undefined;
  let oldWay: OldWayResult | undefined;
  let floor: FloorResult | undefined;
  let safeFloor: FloorResult | undefined;
  let dbS3: MigrationRun | undefined;
  let s3S3: MigrationRun | undefined;
  let s3Floor: FloorResult | undefined;
  let rclone: RcloneRun | undefined;
  let cutover: CutoverRun | undefined;
  let latency: LatencyRuns | undefined;
  let journalBytesPerDoc: number | undefined;
  let journalPeakPerDoc: number | undefined;
  const planSeconds: number[] = [];
  let planRows = 0;
  try {
    await phase('prepare', async () => {
      mainCat = await createCatalog(stack.pgAdminUrl, 'main');
      const seconds = await fillCatalog(mainCat, settings.docs, 'main', log);
      await checkGenerator(mainCat, settings.docs, 'main');
      const totals = await catalogTotals(mainCat);
      mainBytes = totals.bytes;
      details.mainData = { ...totals, fillSeconds: seconds, mix: 'main' };
      await settle(mainCat); // the fill's WAL and statistics, before the ceiling runs
      log(
        `  ${totals.documents} documents, ${(totals.bytes / MIB).toFixed(0)} MiB in ${seconds.toFixed(0)} s`,
      );
    });

    ceiling = await phase('ceiling', async () => {
      const sweepDocs = settings.sweep.length * settings.sweepDocs;
      const c = await withCpu('ceiling', settings.docs + sweepDocs, () =>
        measureCeiling(
          stack,
          settings.docs,
          'main',
          settings.minSizeKbytes,
          settings.sweep,
          settings.sweepDocs,
          log,
        ),
      );
      removeBucketDir(settings.dataDir, 'bench-ceiling-sweep');
      removeBucketDir(settings.dataDir, 'bench-ceiling');
      truncateLog(stack.accessLog);
      details.ceiling = { ...c, cpu: cpuUse.ceiling };
      return c;
    });

    /** A baseline on a catalog of its own (it deletes what it moves): fill, run with CPU and counters, drop. */
    const baseline = async <T>(
      label: string,
      docs: number,
      bucket: string,
      documents: (r: T) => number,
      run: (cat: BenchCatalog) => Promise<T>,
      describe: (r: T) => string,
    ): Promise<T> => {
      const cat = await createCatalog(stack.pgAdminUrl, label.replace(/[^a-z0-9_]/gi, '_'));
      try {
        await fillCatalog(cat, docs, 'main', log);
        await settle(cat);
        const s3From = logSize(stack.accessLog);
        const pg0 = await pgCounters(cat);
        const r = await withCpu(label, documents, () => run(cat));
        details[label] = {
          ...r,
          cpu: cpuUse[label],
          sqlCounters: counterDelta(pg0, await pgCounters(cat)),
          s3Requests: requestsSince(stack.accessLog, s3From),
        };
        truncateLog(stack.accessLog);
        log(`  ${describe(r)}`);
        return r;
      } finally {
        await cat.drop();
        removeBucketDir(settings.dataDir, bucket);
      }
    };

    oldWay = await phase('oldway', () =>
      baseline(
        'oldway',
        settings.oldWayDocs,
        'bench-oldway',
        // time-capped: per-document figures count what it moved
        (o: OldWayResult) => o.migrated,
        async (cat) => {
          const driver = s3Driver(stack, 'bench-oldway');
          try {
            return await anchoreManagerMigrate(cat.pool, driver, compression, settings.oldWaySeconds);
          } finally {
            await driver.close();
          }
        },
        (r) =>
          `old way: ${r.migrated}/${r.selected} documents in ${r.seconds.toFixed(1)} s: ${r.docsPerSecond.toFixed(1)} docs/s`,
      ),
    );

    const floorRun = (label: 'floor' | 'safefloor'): Promise<FloorResult> =>
      baseline(
        label,
        settings.floorDocs,
        `bench-${label}`,
        (r: FloorResult) => r.documents,
        (cat) =>
          floorMigrate(
            cat.url,
            s3Options(stack, `bench-${label}`),
            compression,
            settings.workers,
            settings.floorLanes,
            label === 'safefloor',
          ),
        (r) =>
          `${label}: ${r.documents} documents in ${r.seconds.toFixed(1)} s: ${r.docsPerSecond.toFixed(1)} docs/s`,
      );
    floor = await phase('floor', () => floorRun('floor'));
    safeFloor = await phase('safefloor', () => floorRun('safefloor'));

    dbS3 = await phase('dbs3', async () => {
      if (!mainCat) throw new Error('no main catalog');
      const peak = sampleJournalPeak(mainCat, settings.docs);
      try {
        return (await migrate('db-to-s3', mainCat, settings.docs, dbYaml, dest('bench-a'))).result;
      } finally {
        journalPeakPerDoc = await peak();
      }
    });
    if (dbS3) memoryRuns.push({ documents: settings.docs, mix: 'main', run: dbS3 });
    // The journal as db→s3 left it (compacted at its end), dead row versions included: what the catalog keeps.
    if (dbS3 && mainCat) journalBytesPerDoc = await journalBytesPerDocument(mainCat, settings.docs);

    s3S3 = await phase('s3s3', async () => {
      if (!mainCat || !dbS3 || dbS3.exitCode !== 0) throw new Error('needs a completed db→s3 run');
      const r = (await migrate('s3-to-s3', mainCat, settings.docs, dest('bench-a'), dest('bench-b'))).result;
      details.s3ToS3End = {
        a: await countObjects(stack, 'bench-a'),
        b: await countObjects(stack, 'bench-b'),
      };
      return r;
    });

    // The floor of s3→s3 moves what our s3→s3 left in bench-b (and its rows) on to bench-d.
    s3Floor = await phase('s3floor', async () => {
      if (!mainCat || !s3S3 || s3S3.exitCode !== 0) throw new Error('needs a completed s3→s3 run');
      const cat = mainCat;
      await settle(cat); // s3→s3's dead journal and metadata rows, before the floor is timed
      const s3From = logSize(stack.accessLog);
      const pg0 = await pgCounters(cat);
      const r = await withCpu('s3floor', settings.docs, () =>
        s3FloorMigrate(
          cat.url,
          s3Options(stack, 'bench-b'),
          s3Options(stack, 'bench-d'),
          settings.workers,
          settings.floorLanes,
        ),
      );
      details.s3floor = {
        ...r,
        cpu: cpuUse.s3floor,
        sqlCounters: counterDelta(pg0, await pgCounters(cat)),
        s3Requests: requestsSince(stack.accessLog, s3From),
      };
      truncateLog(stack.accessLog);
      log(
        `  s3 floor: ${r.documents} documents in ${r.seconds.toFixed(1)} s: ${r.docsPerSecond.toFixed(1)} docs/s`,
      );
      return r;
    });
    // rclone moves the same objects from where the last run left them to an empty bucket on the same server.
    const rcloneSource = s3Floor ? 'bench-d' : 'bench-b';

    rclone = await phase('rclone', async () => {
      if (!s3S3 || s3S3.exitCode !== 0)
        throw new Error('needs a completed s3→s3 run (its bucket B is the source)');
      if (mainCat) await settle(mainCat); // the last run's dead journal and metadata rows, before rclone is timed
      const s3From = logSize(stack.accessLog);
      const r = await withCpu('rclone', settings.docs, () =>
        rcloneMove(stack, rcloneSource, 'bench-c', settings.rcloneTransfers),
      );
      const end = {
        source: await countObjects(stack, rcloneSource),
        destination: await countObjects(stack, 'bench-c'),
      };
      details.rclone = { ...r, cpu: cpuUse.rclone, end, s3Requests: requestsSince(stack.accessLog, s3From) };
      truncateLog(stack.accessLog);
      log(
        `  rclone: exit ${r.exitCode} in ${r.seconds.toFixed(1)} s; objects left ${end.source}, moved ${end.destination}`,
      );
      if (r.exitCode !== 0 || end.source !== 0)
        throw new Error(`rclone move did not finish: ${r.stderrTail}`);
      return r;
    });
    for (const b of ['bench-a', 'bench-b', 'bench-c', 'bench-d']) removeBucketDir(settings.dataDir, b);
    await mainCat?.drop();
    mainCat = undefined;

    latency = await phase('latency', () =>
      measureAtLatency(stack, settings, {
        phase,
        baseline,
        migrate,
        withCpu,
        log,
        details,
        dbYaml,
        compression,
        configDir,
      }),
    );

    cutover = await phase('cutover', async () => {
      const cat = await createCatalog(stack.pgAdminUrl, 'cutover');
      try {
        await fillCatalog(cat, settings.cutoverDocs, 'main', log);
        await settle(cat);
        const r = await withCpu('cutover', settings.cutoverDocs, () =>
          measureCutover({
            cat,
            documents: settings.cutoverDocs,
            from: dbYaml,
            to: dest('bench-cutover'),
            env: cliEnv(stack, cat.url),
            workers: settings.workers,
            logDir: join(runDir, 'logs'),
            log,
          }),
        );
        details.cutover = { ...r, cpu: cpuUse.cutover };
        log(
          `  cutover: offline window ${r.offlineWindowSeconds.toFixed(2)} s, cutover ${r.cutoverSeconds.toFixed(1)} s, exit ${r.cutoverExitCode}`,
        );
        if (r.cutoverExitCode !== 0) throw new Error(`cutover exited ${r.cutoverExitCode}`);
        return r;
      } finally {
        await cat.drop();
        removeBucketDir(settings.dataDir, 'bench-cutover');
      }
    });

    const largest = Math.max(...settings.scales); // `plan` runs over the largest scale catalog
    for (const size of [...settings.scales].sort((a, b) => a - b)) {
      await phase(`scale-${size}`, async () => {
        const mix: SizeMix = size > settings.smallAbove ? 'small' : 'main';
        const cat = await createCatalog(stack.pgAdminUrl, `s${size}`);
        try {
          const fill = await fillCatalog(cat, size, mix, log);
          const totals = await catalogTotals(cat);
          if (size === largest) {
            const to = dest(`bench-scale-${size}`);
            for (let k = 0; k < 3; k++) {
              const t = process.hrtime.bigint();
              execFileSync(BIN, ['plan', dbYaml, to], {
                env: cliEnv(stack, cat.url),
                stdio: 'ignore',
              });
              planSeconds.push(Number(process.hrtime.bigint() - t) / 1e9);
            }
            planRows = size;
            log(`  plan over ${size} rows: ${planSeconds.map((s) => s.toFixed(2)).join(', ')} s`);
          }
          const timeBox = mix === 'small' && settings.bigSeconds > 0 ? settings.bigSeconds : undefined;
          const r = await migrate(`scale-${size}`, cat, size, dbYaml, dest(`bench-scale-${size}`), timeBox);
          if (r.result) memoryRuns.push({ documents: size, mix, run: r.result });
          details[`scale-${size}-data`] = { ...totals, fillSeconds: fill, mix };
        } finally {
          await cat.drop();
          removeBucketDir(settings.dataDir, `bench-scale-${size}`);
        }
      });
    }
  } finally {
    await mainCat?.drop();
    mach.loadEnd = loadavg().map((x) => Number(x.toFixed(2)));
    if (!settings.keepStack) stackDown(settings);
  }

  // figures and ratios
  const cpuNote = (label: string): string => {
    const c = cpuUse[label];
    if (!c || c.documents === 0) return '';
    return `; CPU ms/doc: ${describeCpuPerDocument(c, c.documents, true)}`;
  };
  const mibps = (seconds: number, bytes: number): number => bytes / MIB / seconds;
  /** Of the bench's share: the worker processes themselves, and their start (the rest is `migrate` and the bench). */
  const workersNote = (r: MigrationRun): string => {
    const end = sum(r.workerCpuSeconds.end);
    const ready = sum(r.workerCpuSeconds.ready);
    return end > 0
      ? `; of bench: workers ${((end * 1000) / r.documents).toFixed(2)} ms/doc, ${ready.toFixed(1)} s of it to start`
      : '';
  };
  if (ceiling)
    figures.push({
      name: `ceiling: parallel PutObject (concurrency ${ceiling.best.concurrency})`,
      documents: ceiling.best.documents,
      seconds: ceiling.best.seconds,
      docsPerSecond: ceiling.best.docsPerSecond,
      mibPerSecond: ceiling.best.mibPerSecond,
      note: `sweep ${ceiling.sweep.map((s) => `${s.concurrency}:${s.docsPerSecond.toFixed(0)}`).join(' ')} docs/s${cpuNote('ceiling')}`,
    });
  if (oldWay)
    figures.push({
      name: 'old way: anchore-manager loop (bench/baselines)',
      documents: oldWay.migrated,
      seconds: oldWay.seconds,
      docsPerSecond: oldWay.docsPerSecond,
      mibPerSecond: oldWay.bytes / MIB / oldWay.seconds,
      note: `${oldWay.selected} selected${oldWay.capped ? `, capped at ${settings.oldWaySeconds} s` : ''}${cpuNote('oldway')}`,
    });
  if (floor)
    figures.push({
      name: `floor: db→s3 unavoidable work only (bench/baselines, ${floor.threads} threads × ${floor.lanes} chunks)`,
      documents: floor.documents,
      seconds: floor.seconds,
      docsPerSecond: floor.docsPerSecond,
      mibPerSecond: floor.bytes / MIB / floor.seconds,
      note: `read, md5, compress, PUT, metadata switch, delete; no Temporal, journal or verify${cpuNote('floor')}`,
    });
  if (safeFloor)
    figures.push({
      name: `safe floor: the floor with the journal and verification (bench/baselines, ${safeFloor.threads} threads × ${safeFloor.lanes} pages)`,
      documents: safeFloor.documents,
      seconds: safeFloor.seconds,
      docsPerSecond: safeFloor.docsPerSecond,
      mibPerSecond: safeFloor.bytes / MIB / safeFloor.seconds,
      note: `the floor + journal INSERT per chunk, verify by listing, switch and delete each with its journal update, per page of 500; no Temporal, fences or re-reads${cpuNote('safefloor')}`,
    });
  if (s3Floor)
    figures.push({
      name: `s3→s3 floor: unavoidable work only (bench/baselines, ${s3Floor.threads} threads × ${s3Floor.lanes} chunks)`,
      documents: s3Floor.documents,
      seconds: s3Floor.seconds,
      docsPerSecond: s3Floor.docsPerSecond,
      mibPerSecond: s3Floor.bytes / MIB / s3Floor.seconds,
      note: `conditional CopyObject, metadata switch, DeleteObjects; no Temporal, journal or verify${cpuNote('s3floor')}`,
    });
  for (const [name, r, label] of [
    ['this project db→s3', dbS3, 'db-to-s3'],
    ['this project s3→s3', s3S3, 's3-to-s3'],
  ] as const)
    if (r)
      figures.push({
        name: `${name} (${settings.workers} workers, defaults)`,
        documents: r.documents,
        seconds: r.seconds,
        docsPerSecond: r.docsPerSecond,
        mibPerSecond: mibps(r.seconds, mainBytes),
        note:
          `exit ${r.exitCode}, first progress ${r.firstProgressAfter?.toFixed(2) ?? 'n/a'} s${cpuNote(label)}` +
          workersNote(r),
      });
  if (cutover)
    figures.push(
      {
        name: `stage while Anchore writes (${cutover.rewrites} rewrites, ${cutover.adds} new), then cutover`,
        documents: cutover.documents,
        seconds: cutover.stagedSeconds,
        note:
          `${cutover.passes} delta passes (the last one's query ${cutover.lastPassSeconds?.toFixed(2) ?? '?'} s); ` +
          `${cutover.lastMoment} of the writes just before the cutover`,
      },
      {
        name: 'cutover offline window (guard passed → last switch)',
        documents: cutover.documents,
        seconds: cutover.offlineWindowSeconds,
        note: `${cutover.windowParts}; the cutover command took ${cutover.cutoverSeconds.toFixed(1)} s with its source deletes`,
      },
    );
  const rcloneDps = rclone ? settings.docs / rclone.seconds : undefined;
  if (rclone)
    figures.push({
      name: `rclone ${rclone.args.slice(0, 4).join(' ')}`,
      documents: settings.docs,
      seconds: rclone.seconds,
      docsPerSecond: rcloneDps,
      note: `exit ${rclone.exitCode}${cpuNote('rclone')}`,
    });
  const lat = latency;
  const latLabel = lat ? `at latency (S3 +${lat.s3Ms} ms, PostgreSQL +${lat.pgMs} ms each way)` : '';
  if (lat?.oldWay)
    figures.push({
      name: `old way ${latLabel}`,
      documents: lat.oldWay.migrated,
      seconds: lat.oldWay.seconds,
      docsPerSecond: lat.oldWay.docsPerSecond,
      note: `${lat.oldWay.selected} selected${lat.oldWay.capped ? `, capped at ${settings.latencyOldWaySeconds} s` : ''}${cpuNote('lat-oldway')}`,
    });
  if (lat?.floor)
    figures.push({
      name: `floor ${latLabel} (${lat.floor.threads} threads × ${lat.floor.lanes} chunks)`,
      documents: lat.floor.documents,
      seconds: lat.floor.seconds,
      docsPerSecond: lat.floor.docsPerSecond,
      note: `unavoidable work only${cpuNote('lat-floor')}`,
    });
  if (lat?.safeFloor)
    figures.push({
      name: `safe floor ${latLabel} (${lat.safeFloor.threads} threads × ${lat.safeFloor.lanes} pages)`,
      documents: lat.safeFloor.documents,
      seconds: lat.safeFloor.seconds,
      docsPerSecond: lat.safeFloor.docsPerSecond,
      note: `the floor + journal and verification${cpuNote('lat-safefloor')}`,
    });
  const oneWorker = lat?.dbS3[1];
  for (const [workers, r] of Object.entries(lat?.dbS3 ?? {}))
    figures.push({
      name: `this project db→s3 ${latLabel}, ${workers} worker(s)`,
      documents: r.documents,
      seconds: r.seconds,
      docsPerSecond: r.docsPerSecond,
      note:
        `exit ${r.exitCode}` +
        (oneWorker && Number(workers) > 1
          ? `, ${(r.docsPerSecond / oneWorker.docsPerSecond).toFixed(2)}× one worker ` +
            `(${(r.docsPerSecond / oneWorker.docsPerSecond / Number(workers)).toFixed(2)} per worker)`
          : '') +
        cpuNote(`lat-db-to-s3-${workers}w`),
    });
  if (lat?.s3S3)
    figures.push({
      name: `this project s3→s3 ${latLabel} (${settings.workers} workers)`,
      documents: lat.s3S3.documents,
      seconds: lat.s3S3.seconds,
      docsPerSecond: lat.s3S3.docsPerSecond,
      note: `exit ${lat.s3S3.exitCode}${cpuNote('lat-s3-to-s3')}`,
    });
  const latRcloneDps = lat?.rclone ? lat.documents / lat.rclone.seconds : undefined;
  if (lat?.rclone)
    figures.push({
      name: `rclone ${lat.rclone.args.slice(0, 4).join(' ')} ${latLabel}`,
      documents: lat.documents,
      seconds: lat.rclone.seconds,
      docsPerSecond: latRcloneDps,
      note: `exit ${lat.rclone.exitCode}${cpuNote('lat-rclone')}`,
    });
  if (journalBytesPerDoc !== undefined)
    observations.push(
      `journal after db→s3 of ${settings.docs} documents: ${journalBytesPerDoc.toFixed(0)} bytes per document ` +
        '(pg_total_relation_size of objectstorage_journal and objectstorage_moved: tables, indexes, TOAST, dead ' +
        `row versions); at most ${journalPeakPerDoc?.toFixed(0) ?? '?'} while it ran (sampled every 2 s, before ` +
        'the compaction at its end)',
    );
  for (const m of memoryRuns)
    figures.push({
      name: `memory/history ${m.documents} (${m.mix} documents)`,
      documents: m.documents,
      seconds: m.run.seconds,
      docsPerSecond: m.run.docsPerSecond,
      note:
        (m.run.stoppedAfterSeconds
          ? `time-boxed: cancelled after ${m.run.stoppedAfterSeconds} s with ${m.run.migrated} of ${m.documents} migrated; `
          : '') +
        `peak RSS ${m.run.workerPeakRssMiB.join('/')} MiB (idle ${m.run.workerReadyRssMiB.join('/')}), history events per run max ${Math.max(0, ...m.run.historyEventsPerRun)} over ${m.run.historyEventsPerRun.length} run(s)`,
    });

  // A time-boxed run ends cancelled by the bench, which is its intended end.
  const ok = (r?: MigrationRun): r is MigrationRun =>
    r !== undefined && (r.exitCode === 0 || r.stoppedAfterSeconds !== undefined);
  const peakMB = (r: MigrationRun): number => (Math.max(...r.workerPeakRssMiB) * MIB) / MB;
  const sortedMem = [...memoryRuns].filter((m) => ok(m.run)).sort((a, b) => a.documents - b.documents);
  const base = sortedMem[0];
  const spread = base
    ? Math.max(...sortedMem.map((m) => Math.abs(peakMB(m.run) / peakMB(base.run) - 1))) * 100
    : undefined;
  const allRuns = [dbS3, s3S3, ...memoryRuns.map((m) => m.run)].filter(ok);
  /**
   * What the machine allows: a run's CPU seconds per document over every process (workers, CLI, VersityGW,
   * Temporal, PostgreSQL) bound its rate to cores ÷ that, however the work is scheduled.
   */
  const cpuBound = (label: string, goal: number | undefined, goalName: string): string | undefined => {
    const c = cpuUse[label];
    if (!c || c.documents === 0 || goal === undefined) return undefined;
    const perDoc = Object.values(c.seconds).reduce((a, b) => a + b, 0) / c.documents;
    const bound = mach.nproc / perDoc;
    return (
      `${(perDoc * 1000).toFixed(2)} ms CPU per document (${describeCpuPerDocument(c, c.documents)}): ` +
      `at most ${bound.toFixed(0)} docs/s on ${mach.nproc} cores, ${goalName} needs ${goal.toFixed(0)}`
    );
  };
  /**
   * The same bound for the floor (bench/baselines/floor.ts, s3-floor.ts): the work every db→s3 (s3→s3) migration
   * must do. A goal above the floor's bound is out of reach on this machine for any implementation, not only for
   * this one.
   */
  const floorBound = (
    goal: number | undefined,
    label = 'floor',
    run: FloorResult | undefined = floor,
    name = 'floor',
  ): string | undefined => {
    const c = cpuUse[label];
    if (!run || !c || goal === undefined) return undefined;
    const perDoc = Object.values(c.seconds).reduce((a, b) => a + b, 0) / c.documents;
    const bound = mach.nproc / perDoc;
    return (
      `${name} (unavoidable work only) ${run.docsPerSecond.toFixed(0)} docs/s measured, ${(perDoc * 1000).toFixed(2)} ms CPU ` +
      `per document (${describeCpuPerDocument(c, c.documents)}): at most ${bound.toFixed(0)} docs/s on ${mach.nproc} cores, ` +
      (bound < goal
        ? 'so the goal is out of reach on this machine'
        : run.docsPerSecond < goal
          ? 'so the goal is within reach of the floor by CPU, though the floor itself measured below it'
          : 'so the goal is within reach of the floor')
    );
  };
  /** A missed rate's note: the run's own CPU bound, then its floor's (which says whether anyone could reach it). */
  const boundsNote = (
    label: string,
    goal: number | undefined,
    goalName: string,
    floorLabel: string,
    floorRun: FloorResult | undefined,
    floorName?: string,
  ): string | undefined => {
    const notes = [cpuBound(label, goal, goalName), floorBound(goal, floorLabel, floorRun, floorName)];
    return notes.filter(Boolean).join('; ') || undefined;
  };
  const dbS3Note = (goal: number | undefined, goalName: string): string | undefined =>
    boundsNote('db-to-s3', goal, goalName, 'floor', floor);
  /** CPU seconds per document of a phase: every process, or only the bench process and its children. */
  const cpuPerDoc = (label: string, part?: string): number | undefined => {
    const c = cpuUse[label];
    if (!c || c.documents === 0) return undefined;
    const seconds = part ? (c.seconds[part] ?? 0) : Object.values(c.seconds).reduce((a, b) => a + b, 0);
    return seconds / c.documents;
  };
  const ratio = (a: number | undefined, b: number | undefined): number | undefined =>
    a !== undefined && b !== undefined && b > 0 ? a / b : undefined;
  /**
   * The safe floor's CPU per document against the floor's: above the limit, no migration that journals and
   * verifies each copy meets it on this machine; below it, the note says what is left for this one to cut.
   */
  const safeFloorNote = (limit: number, part?: string): string | undefined => {
    const safe = ratio(cpuPerDoc('safefloor', part), cpuPerDoc('floor', part));
    const mine = ratio(cpuPerDoc('db-to-s3', part), cpuPerDoc('safefloor', part));
    if (safe === undefined) return undefined;
    return (
      `safe floor (the floor + journal + verify, no Temporal) ${safe.toFixed(2)}× the floor: ` +
      (safe > limit
        ? `the journal and verification alone exceed ${limit}×, so the goal is out of reach on this machine`
        : `within ${limit}×`) +
      (mine === undefined ? '' : `; db→s3 is ${mine.toFixed(2)}× the safe floor`)
    );
  };
  const latDbS3 = lat?.dbS3[settings.workers];
  /** At latency the machine's CPU still bounds both the migration and the floor: the notes say how far. */
  const latNote = (goal: number | undefined, goalName: string): string | undefined =>
    [
      boundsNote(`lat-db-to-s3-${settings.workers}w`, goal, goalName, 'lat-floor', lat?.floor),
      latSafeFloorNote(goal),
    ]
      .filter(Boolean)
      .join('; ') || undefined;
  /** Whether a migration that journals and verifies every copy, as the safety discipline requires, reaches `goal`. */
  const latSafeFloorNote = (goal: number | undefined): string | undefined => {
    const safe = lat?.safeFloor;
    if (!safe || goal === undefined) return undefined;
    return (
      `safe floor (the floor + journal + verify, no Temporal) at the same latency ${safe.docsPerSecond.toFixed(0)} docs/s measured` +
      (safe.docsPerSecond < goal
        ? ', below the goal: no migration that journals and verifies every copy reaches it on this machine'
        : ', within reach of a migration that journals and verifies every copy')
    );
  };
  const targets: Target[] = [
    target(
      `db→s3 ${latLabel} ÷ old way at the same latency`,
      ok(latDbS3) && lat?.oldWay ? latDbS3.docsPerSecond / lat.oldWay.docsPerSecond : undefined,
      '×',
      '≥ 25×',
      (v) => v >= 25,
      latNote(lat?.oldWay && lat.oldWay.docsPerSecond * 25, '25× the old way'),
    ),
    target(
      `db→s3 ${latLabel} ÷ floor at the same latency`,
      ok(latDbS3) && lat?.floor ? latDbS3.docsPerSecond / lat.floor.docsPerSecond : undefined,
      '×',
      '≥ 0.8×',
      (v) => v >= 0.8,
      latNote(lat?.floor && lat.floor.docsPerSecond * 0.8, '0.8× the floor'),
    ),
    target(
      `s3→s3 ${latLabel} ÷ rclone move at the same latency`,
      ok(lat?.s3S3) && latRcloneDps ? lat.s3S3.docsPerSecond / latRcloneDps : undefined,
      '×',
      '≥ 1.5×',
      (v) => v >= 1.5,
    ),
    target(
      'loopback: CPU per migrated document over all processes, db→s3 ÷ floor',
      ratio(cpuPerDoc('db-to-s3'), cpuPerDoc('floor')),
      '×',
      '≤ 1.25×',
      (v) => v <= 1.25,
      safeFloorNote(1.25),
    ),
    target(
      "loopback: the workers' own CPU per document (bench process and children) ÷ the floor process's",
      ratio(cpuPerDoc('db-to-s3', 'bench'), cpuPerDoc('floor', 'bench')),
      '×',
      '≤ 1.3×',
      (v) => v <= 1.3,
      safeFloorNote(1.3, 'bench'),
    ),
    target(
      `journal bytes per document after db→s3 of ${settings.docs}`,
      journalBytesPerDoc,
      'B',
      '≤ 400 B',
      (v) => v <= 400,
    ),
    target(
      'db→s3 docs/s ÷ ceiling docs/s',
      ok(dbS3) && ceiling ? dbS3.docsPerSecond / ceiling.best.docsPerSecond : undefined,
      '×',
      '≥ 0.5×',
      (v) => v >= 0.5,
      dbS3Note(ceiling && ceiling.best.docsPerSecond * 0.5, '0.5× the ceiling'),
    ),
    target(
      'db→s3 docs/s ÷ old way docs/s',
      ok(dbS3) && oldWay ? dbS3.docsPerSecond / oldWay.docsPerSecond : undefined,
      '×',
      '≥ 10×',
      (v) => v >= 10,
      dbS3Note(oldWay && oldWay.docsPerSecond * 10, '10× the old way'),
    ),
    target(
      's3→s3 docs/s ÷ rclone move docs/s',
      ok(s3S3) && rcloneDps ? s3S3.docsPerSecond / rcloneDps : undefined,
      '×',
      '≥ 1.5×',
      (v) => v >= 1.5,
      boundsNote('s3-to-s3', rcloneDps && rcloneDps * 1.5, '1.5× rclone', 's3floor', s3Floor, 's3→s3 floor'),
    ),
    target(
      'cutover offline window ÷ offline migrate (db→s3) of the same data',
      cutover && ok(dbS3) && settings.cutoverDocs === settings.docs
        ? (cutover.offlineWindowSeconds / dbS3.seconds) * 100
        : undefined,
      '%',
      '≤ 5%',
      (v) => v <= 5,
      settings.cutoverDocs === settings.docs ? undefined : 'BENCH_CUTOVER_DOCS differs from BENCH_DOCS',
    ),
    target(
      'worker peak RSS, max over runs',
      sortedMem.length ? Math.max(...sortedMem.map((m) => peakMB(m.run))) : undefined,
      'MB',
      '≤ 300 MB',
      (v) => v <= 300,
    ),
    target(
      `worker peak RSS spread ${base?.documents ?? '?'} → ${sortedMem.at(-1)?.documents ?? '?'} documents`,
      sortedMem.length > 1 ? spread : undefined,
      '%',
      'within ±15%',
      (v) => v <= 15,
    ),
    target(
      'history events per workflow run, max',
      allRuns.length ? Math.max(...allRuns.flatMap((r) => r.historyEventsPerRun)) : undefined,
      'events',
      '≤ 10,000',
      (v) => v <= 10_000,
    ),
    target(
      `plan over ${planRows} metadata rows (median of 3)`,
      planSeconds.length ? (planSeconds.sort((a, b) => a - b)[1] ?? planSeconds[0]) : undefined,
      's',
      '< 3 s',
      (v) => v < 3,
      planRows < 1_000_000 ? 'fewer rows than the 1M target' : undefined,
    ),
    target(
      'first progress event after migrate starts (db→s3)',
      dbS3?.firstProgressAfter,
      's',
      '< 2 s',
      (v) => v < 2,
    ),
  ];
  if (mach.loadStart[0] !== undefined && mach.loadStart[0] > mach.nproc)
    observations.push(
      `load average ${mach.loadStart[0]} on ${mach.nproc} CPUs at start: other work shared the machine; compare ratios, not absolute numbers`,
    );

  const paths = await writeResults(settings.resultsDir, stamp, {
    machine: mach,
    versions: vers,
    settings: { ...settings, skip: [...settings.skip], ports: settings.ports },
    figures,
    targets,
    details,
    errors,
    observations,
  });
  log(`results: ${paths.md}`);
  for (const t of targets)
    log(
      `  ${t.pass === undefined ? 'N/A ' : t.pass ? 'PASS' : 'MISS'} ${t.name}: ${t.value?.toFixed(2) ?? 'n/a'} ${t.unit} (${t.target})`,
    );
  if (errors.length) process.exitCode = 1;
}

main().catch((err) => {
  log(`failed: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 1;
});
