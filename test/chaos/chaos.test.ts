/**
 * Chaos run (issue 7, issue 20): a db → s3 migration of CHAOS_DOCS documents by two worker processes while
 * workers are SIGKILLed, the Temporal dev server and VersityGW restart, the workers' catalog connections are
 * terminated, worker 0's TCP connections to PostgreSQL and to Temporal are cut (Toxiproxy) while the other
 * worker stays connected, workers are frozen just before a chosen statement past their page lease, and an Anchore-like writer on the source config rewrites documents (a --force run).
 * It must complete by itself with every document's newest logical bytes intact where its row points, none in two
 * places, no source deleted before its copy was verified and switched, the journal never moving backwards (by a
 * trigger's record of every phase change) and a correct Anchore task row. Prints a one-screen report.
 * Restarts the shared test stack's services: scripts/test.sh runs this project alone, after the others.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { createPgMetadataStore } from '../../src/catalog';
import { createObjectStoreManager } from '../../src/drivers/manager';
import { createDriver } from '../../src/drivers/registry';
import { anchoreDbStore, createTestCatalog, type TestCatalog } from '../helpers/catalog-db';
import { runCli } from '../helpers/cli';
import { waitFor } from '../helpers/processes';
import { stackEnv } from '../helpers/stack-env';
import { configFile, stores } from '../helpers/world';
import { docId, fillCatalog, snapshotDbStore } from './catalog-fill';
import {
  catalogProblems,
  journalProblems,
  orphanObjects,
  readBackProblems,
  taskRowProblems,
  isAnchoreMade,
  type Violations,
} from './end-state';
import { runFaults, type FaultRun } from './faults';
import { freezableEnv } from './freezes';
import { retryStats, type RetryStats } from './history';
import { formatReport } from './report';
import { stackUp } from './services';
import { chaosSettings } from './settings';
import { backwardTransitions, recordTransitions } from './transitions';
import { startAnchoreWriter, type AnchoreWriter } from './anchore-writer';
import { startWorkerPool, type WorkerPool } from './workers';
import { startToxiproxy, type Toxiproxy } from '../helpers/toxiproxy';

const settings = chaosSettings();
// Load, snapshot and checks take a few minutes at 50,000 documents on a slow machine; the migration has its own bound.
jest.setTimeout((settings.timeoutMin + settings.graceMin + 5 + settings.documents / 2500) * 60_000);

/** Catalog connections of the workers carry this name: pg_terminate_backend targets only them. */
const WORKER_APP = 'aos-chaos-worker';
/** What a worker logs when one of its attempts woke to find its page taken (FenceLostError), or was frozen. */
const ZOMBIE_LINE = /lost page \d+ of migration|chaos-freeze:/;
const s3Creds = { ANCHORE_S3_ACCESS: stackEnv.s3AccessKey, ANCHORE_S3_SECRET: stackEnv.s3SecretKey };
let catalog: TestCatalog | undefined;
let workers: WorkerPool | undefined;
let faults: FaultRun | undefined;
let toxiproxy: Toxiproxy | undefined;
let writer: AnchoreWriter | undefined;
const admin = new Pool({ connectionString: stackEnv.pgAdminUrl, max: 2 });
const faultLog: string[] = [];
const started = Date.now();
const log = (line: string): void => {
  faultLog.push(`${((Date.now() - started) / 1000).toFixed(1).padStart(7)} s  ${line}`);
};

afterAll(async () => {
  await faults?.stop().catch(() => undefined);
  await writer?.stop().catch(() => undefined);
  await workers?.stop();
  await toxiproxy?.stop();
  // Suites that run after this one need the stack whole again.
  await stackUp();
  await catalog?.drop();
  await admin.end();
});

async function taskRow(pool: Pool, taskId: number): Promise<{ state: string; total: number; done: number }> {
  const r = await pool.query(
    `SELECT t.state::text AS state, m.archive_documents_to_migrate AS total, m.archive_documents_migrated AS done
     FROM tasks t JOIN archive_migration_tasks m USING (id) WHERE id = $1`,
    [taskId],
  );
  return r.rows[0];
}

test(`db → s3 under faults (${settings.profile}): completes, nothing lost, nothing in two places`, async () => {
  catalog = await createTestCatalog();
  const pool = catalog.pool;
  const t0 = Date.now();
  await fillCatalog(pool, settings.documents);
  log(`catalog loaded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const snapshot = await snapshotDbStore(pool);
  const loadSeconds = (Date.now() - t0) / 1000;
  log(`catalog loaded and snapshot taken in ${loadSeconds.toFixed(1)} s`);
  expect(snapshot.size).toBe(settings.documents);

  const bucket = `aos-chaos-${randomUUID().slice(0, 8)}`;
  const to = stores.s3(bucket, 'anchore/', true);
  const toFile = configFile(to);
  const workerUrl = new URL(catalog.url);
  workerUrl.searchParams.set('application_name', WORKER_APP);
  const env = { ANCHORE_DB_CONNECT: catalog.url, TEMPORAL_ADDRESS: stackEnv.temporalAddress, ...s3Creds };
  await recordTransitions(pool);
  toxiproxy = await startToxiproxy();
  const pgAt = `${workerUrl.hostname}:${workerUrl.port || '5432'}`;
  const proxies = {
    pg: await toxiproxy.proxy('chaos-pg', pgAt),
    temporal: await toxiproxy.proxy('chaos-temporal', stackEnv.temporalAddress),
  };
  const freezeFile = join(tmpdir(), `aos-chaos-freeze-${randomUUID().slice(0, 8)}`);
  const proxiedUrl = new URL(workerUrl.toString());
  proxiedUrl.host = proxies.pg.listen;
  workers = startWorkerPool(
    2,
    ['--concurrency', String(settings.workerConcurrency)],
    { ...env, ANCHORE_DB_CONNECT: workerUrl.toString(), ...freezableEnv(freezeFile) },
    (pid, why) => log(`worker pid ${pid} exited by itself (${why}); restarting it`),
    (slot): Record<string, string> =>
      slot === 0
        ? { ANCHORE_DB_CONNECT: proxiedUrl.toString(), TEMPORAL_ADDRESS: proxies.temporal.listen }
        : {},
    ZOMBIE_LINE,
  );
  await waitFor(() => workers?.ready() === true, 120_000, 'both workers ready');
  log('both workers ready');

  const migrate = await runCli(
    [
      'migrate',
      configFile(stores.db()),
      toFile,
      '--dontask',
      '--detach',
      // Anchore is "running": the writer below rewrites documents through the source config.
      '--force',
      '--page-size',
      String(settings.pageSize),
      '--concurrency',
      String(settings.pageConcurrency),
    ],
    env,
    120_000,
  );
  if (migrate.code !== 0)
    throw new Error(`migrate exited ${migrate.code}\n${migrate.stdout}\n${migrate.stderr}`);
  const taskId = Number(/Migration Task Id: (\d+)/.exec(migrate.stdout)?.[1]);
  const workflowId = /Workflow: (\S+)/.exec(migrate.stdout)?.[1] ?? '';
  const migrationStart = Date.now();
  log(`migration ${taskId} started (${workflowId})`);

  const run = runFaults({
    settings,
    workers,
    admin,
    database: catalog.name,
    applicationName: WORKER_APP,
    proxies,
    freezeFile,
    progress: async () => ((await taskRow(pool, taskId))?.done ?? 0) / settings.documents,
    log,
  });
  faults = run;
  writer = startAnchoreWriter(pool, snapshot, {
    count: settings.rewrites,
    intervalMs: settings.rewriteIntervalMs,
  });
  // Temporal may be restarting: the catalog's task row is the migration's own record of its end.
  const waitEnd = async (until: number, stop: () => boolean): Promise<string> => {
    let state = 'running';
    while (Date.now() < until && !stop()) {
      state = (await taskRow(pool, taskId)).state;
      if (state === 'complete' || state === 'failed') break;
      await new Promise((r) => setTimeout(r, 500));
    }
    return state;
  };
  let state = await waitEnd(migrationStart + settings.timeoutMin * 60_000, () => run.failure() !== undefined);
  const migrationSeconds = (Date.now() - migrationStart) / 1000;
  log(`migration: ${state} after ${migrationSeconds.toFixed(1)} s`);
  let faultError = '';
  await run.stop().catch((err: unknown) => (faultError = (err as Error).message));
  const rewrites = await writer.stop();
  log(`Anchore-like writer: ${rewrites} rewrites (${writer.rewritten.size} documents)`);
  let graceNote = '';
  if (state !== 'complete' && state !== 'failed') {
    // Too slow or stuck? Without faults a healthy migration finishes; the time bound stays violated either way.
    await stackUp();
    const graceStart = Date.now();
    state = await waitEnd(graceStart + settings.graceMin * 60_000, () => false);
    graceNote = `; faults stopped, then ${state} after ${((Date.now() - graceStart) / 1000).toFixed(0)} s more`;
    log(`after faults stopped: ${state} after ${((Date.now() - graceStart) / 1000).toFixed(1)} s`);
  }
  await workers.stop();
  await stackUp(); // every service up again before the checks (and for later suites)

  log('stack up again; checking the end state');
  const violations: Violations[] = [];
  const inTime = migrationSeconds < settings.timeoutMin * 60 && !graceNote;
  violations.push({
    kind: `migration ended by itself within ${settings.timeoutMin} min`,
    count: inTime ? 0 : 1,
    examples: inTime
      ? []
      : [`task ${taskId} not ended after ${migrationSeconds.toFixed(0)} s under faults${graceNote}`],
  });
  const missed = [
    run.counts.workerKills === 0 ? 'no worker was killed' : '',
    run.counts.temporalRestarts < settings.temporalRestarts ? 'a Temporal restart did not happen' : '',
    run.counts.s3Restarts < settings.s3Restarts ? 'an S3 restart did not happen' : '',
    run.counts.pgRounds === 0 && settings.maxPgRounds > 0 ? 'no pg_terminate_backend round' : '',
    run.counts.tcpCutsPg + run.counts.tcpCutsTemporal < settings.tcpCuts ? 'a TCP cut did not happen' : '',
    Object.values(run.counts.freezes).reduce((a, b) => a + b, 0) < settings.freezes
      ? 'a worker freeze did not happen'
      : '',
    faultError ? `a fault could not be injected or recovered from: ${faultError}` : '',
    rewrites === 0 && settings.rewrites > 0 ? 'the Anchore-like writer rewrote nothing' : '',
  ].filter(Boolean);
  // A run that ended before its faults proves nothing: make CHAOS_DOCS larger.
  violations.push({
    kind: 'every planned kind of fault hit the running migration',
    count: missed.length,
    examples: missed,
  });
  violations.push(await taskRowProblems(pool, taskId, settings.documents));
  violations.push(...(await journalProblems(pool, taskId, settings.documents)));
  violations.push(await backwardTransitions(pool, taskId));
  violations.push(...(await catalogProblems(pool, snapshot, `s3://${bucket}/anchore/`, writer.rewritten)));
  // Documents Anchore rewrote after their move are back at the source, and their copies are Anchore's orphans.
  const back = await pool.query<{ userId: string; bucket: string; archiveId: string }>(
    `SELECT "userId", bucket, "archiveId" FROM archive_metadata WHERE content_url LIKE 'db://%'`,
  );
  const backIds = new Set(back.rows.map((r) => docId(r.userId, r.bucket, r.archiveId)));
  const anchoreOrphans = new Set(back.rows.map((r) => `${r.userId}/${r.bucket}/${r.archiveId}`));
  log(`${backIds.size} rewritten document(s) point back at the source`);
  violations.push(
    await orphanObjects(
      pool,
      {
        endpoint: stackEnv.s3Endpoint,
        accessKey: stackEnv.s3AccessKey,
        secretKey: stackEnv.s3SecretKey,
        bucket,
      },
      anchoreOrphans,
    ),
  );
  const atSource = new Map([...snapshot].filter(([id]) => backIds.has(id)));
  const atDestination = new Map([...snapshot].filter(([id]) => !backIds.has(id)));
  const driver = createDriver({ name: to.name, config: to.config }, { pool });
  try {
    violations.push(
      await readBackProblems(
        createObjectStoreManager(driver, to.compression, createPgMetadataStore(pool)),
        atDestination,
      ),
    );
    violations.push(await readBackProblems(anchoreDbStore(pool), atSource, 24, 'db'));
  } finally {
    await driver.close();
  }

  log('read back done');
  let audit = 'skipped (no audit command in this build)';
  if (existsSync(join(__dirname, '../../lib/cli/audit.js'))) {
    const reportFile = join(process.env.OBJECTSTORAGE_DATA_DIR ?? '/tmp', `chaos-audit-${taskId}.json`);
    const r = await runCli(['audit', toFile, '--report', reportFile], env, 20 * 60_000);
    // A document Anchore rewrote after its move has its row at the source (other_location) and left its copy
    // without a row (orphan): both are Anchore's doing; anything else is ours.
    const problems: Array<{ code: string; url: string }> =
      r.code === 6 ? JSON.parse(readFileSync(reportFile, 'utf8')).problems : [];
    const anchoreMade = (p: { code: string; url: string }): boolean =>
      (p.code === 'orphan' || p.code === 'other_location') && isAnchoreMade(p.url, anchoreOrphans);
    const ours = problems.filter((p) => !anchoreMade(p));
    const clean = r.code === 0 || (r.code === 6 && ours.length === 0);
    audit = `objectstorage audit exit ${r.code} (${problems.length - ours.length} problem(s) Anchore's rewrites made)`;
    violations.push({
      kind: 'objectstorage audit of the destination finds nothing of ours',
      count: clean ? 0 : Math.max(1, ours.length),
      examples: clean
        ? []
        : ours.length > 0
          ? ours.slice(0, 5).map((p) => `${p.code} ${p.url}`)
          : [`${r.stdout}${r.stderr}`.split('\n').slice(-8).join(' | ')],
    });
  }

  log(`${audit}`);
  let retries: RetryStats | undefined;
  try {
    retries = await retryStats(stackEnv.temporalAddress, workflowId);
  } catch (err) {
    log(`reading the workflow history failed: ${(err as Error).message}`);
  }

  const report = formatReport({
    settings,
    taskId,
    loadSeconds,
    migrationSeconds,
    wallSeconds: (Date.now() - started) / 1000,
    faults: run.counts,
    unexpectedWorkerExits: workers.unexpectedExits,
    zombiesStopped: workers.countLines(/lost page \d+ of migration/),
    retries,
    audit,
    violations,
  });
  const dataDir = process.env.OBJECTSTORAGE_DATA_DIR;
  if (dataDir) writeFileSync(join(dataDir, 'chaos-report.txt'), `${report}\n${faultLog.join('\n')}\n`);
  process.stdout.write(`\n${report}`);
  const failed = violations.filter((v) => v.count > 0);
  if (failed.length > 0) {
    process.stdout.write(`\nfault log (last 30 lines):\n${faultLog.slice(-30).join('\n')}\n`);
    process.stdout.write(`\nworker output (tail):\n${workers.output().slice(-6000)}\n`);
  }
  expect(failed).toEqual([]);
});
