/**
 * The worker process: the composition root. It connects to its own catalog, fingerprints it, builds drivers
 * lazily from workflow inputs, and runs activities and workflows on the shared task queue until SIGTERM/SIGINT,
 * then drains gracefully; with a metrics address it also serves Prometheus metrics. Any number of workers
 * (processes or hosts) may share the queue.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Pool } from 'pg';
import { createActivities } from '../activities';
import { createByteBudget, type ByteBudget } from '../activities/byte-budget';
import { createActivityMetrics } from '../activities/metrics';
import { catalogFingerprint, checkCatalog, createWorkerPool, ensureJournal } from '../catalog';
import type { Logger } from '../logger';
import { taskQueueFor } from '../shared/migration';
import { createDriverProvider } from './driver-provider';
import { collectorAbove, startHeapCeiling } from './heap-ceiling';
import { installRuntime, type MetricsAddress } from './runtime';

const MIB = 1024 * 1024;
/** JS heap plus Buffers above which the worker collects garbage (idle: ~40 MiB; see heap-ceiling.ts). */
const HEAP_CEILING_BYTES = 96 * MIB;

/** Options of {@link runWorker}. */
export interface WorkerSettings {
  readonly dbUrl: string;
  readonly temporalAddress: string;
  readonly namespace: string;
  /** Activities (page stages) run at once by this worker. @default 8 */
  readonly concurrency: number;
  /** Document bytes the worker's page activities may hold in memory at once. */
  readonly memoryBudgetBytes: number;
  readonly log: Logger;
  /** Serve Prometheus metrics (SDK and ours) here; none when absent. */
  readonly metrics?: MetricsAddress;
  /** Resolves when the worker should stop; defaults to SIGTERM/SIGINT. */
  readonly stop?: Promise<void>;
  /** Whether the SDK drains the worker on SIGINT/SIGTERM itself (not inside a CLI command, which decides). @default true */
  readonly handleSignals?: boolean;
  /** Called once the worker polls its task queue. */
  readonly onReady?: () => void;
}

/** The prebuilt bundle (`npm run build`), else the sources bundled at start-up (tests, development). */
function workflowSource(): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  const bundle = join(__dirname, '..', 'workflow-bundle.js');
  if (existsSync(bundle)) return { workflowBundle: { codePath: bundle } };
  return { workflowsPath: require.resolve('../workflows') };
}

/** Runs a worker until stopped; resolves after a graceful shutdown. */
export async function runWorker(s: WorkerSettings): Promise<void> {
  // Before the NativeConnection: the Runtime (logger, metrics endpoint) can only be installed first.
  installRuntime(s.log, s.metrics, s.handleSignals ?? true);
  const stopHeapCeiling = startHeapCeiling(HEAP_CEILING_BYTES);
  // A page's transaction can need a second connection (a db/db2 driver's delete, the fence renewal).
  const pool = createWorkerPool(s.dbUrl, Math.max(4, 2 * s.concurrency + 2));
  const drivers = createDriverProvider(pool);
  try {
    const stop = s.stop ?? signalled();
    const fingerprint = await openCatalog(pool, s, stop);
    if (fingerprint === undefined) return;
    const connection = await connectTemporal(s, stop);
    if (!connection) return;
    try {
      const worker = await Worker.create({
        connection,
        namespace: s.namespace,
        taskQueue: taskQueueFor(fingerprint),
        ...workflowSource(),
        activities: createActivities(
          { pool, fingerprint, drivers, log: s.log, budget: documentBudget(s.memoryBudgetBytes) },
          createActivityMetrics(Runtime.instance().metricMeter),
        ),
        maxConcurrentActivityTaskExecutions: s.concurrency,
        shutdownGraceTime: '30s',
      });
      s.log.info(
        `worker ready on task queue ${taskQueueFor(fingerprint)} (${s.concurrency} activity slots, ` +
          `${Math.round(s.memoryBudgetBytes / MIB)} MiB document budget)`,
      );
      void stop.then(() => {
        s.log.info('stopping: finishing in-flight activities');
        // The SDK's Runtime reacts to SIGTERM/SIGINT itself and may already be draining this worker.
        if (worker.getState() === 'RUNNING') worker.shutdown();
      });
      const running = worker.run();
      s.onReady?.();
      await running;
    } finally {
      await connection.close();
    }
  } finally {
    stopHeapCeiling();
    await drivers.close();
    await pool.end();
  }
}

/**
 * The worker's document budget. A chunk of at least an eighth of it (the 1–8 MiB documents) leaves several times
 * its size in garbage: when it is given back and heap plus Buffers exceed four budgets, the worker collects, so
 * the budget also sets the worker's memory peak (a larger budget trades memory for less collection work).
 */
function documentBudget(bytes: number): ByteBudget {
  const collect = collectorAbove(4 * bytes);
  return createByteBudget(bytes, { afterRelease: (n) => n >= bytes / 8 && collect() });
}

/** Errors of a catalog that is down or failing over: the worker waits them out. A wrong host name is not one. */
const CATALOG_DOWN_CODES = new Set(['ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET', '57P03']);
/** The server ended the session (pg_terminate_backend, a restart): the next session may well work. */
const SESSION_ENDED_CODES = new Set(['57P01', '57P02']);

/** The catalog is down or our session was cut or ended: waited out, unlike a wrong name or password. */
function catalogTransient(err: unknown): boolean {
  const e = err as Error & { code?: string; cause?: { code?: string; message?: string } };
  const code = e.cause?.code ?? e.code;
  if (code !== undefined && (CATALOG_DOWN_CODES.has(code) || SESSION_ENDED_CODES.has(code))) return true;
  return /Connection terminated/.test(`${e.message} ${e.cause?.message ?? ''}`);
}

/**
 * Checks the catalog, creates the journal and reads the catalog's fingerprint, retrying the whole start-up while
 * the catalog does not answer or a session is cut under it (a PostgreSQL restart or failover while a pod starts,
 * pg_terminate_backend): a worker waits instead of exiting. Other errors (a wrong password, a database that is
 * not Anchore's) are thrown at once. Resolves undefined when stopped while waiting.
 */
async function openCatalog(pool: Pool, s: WorkerSettings, stop: Promise<void>): Promise<string | undefined> {
  return untilReachable(
    async () => {
      await checkCatalog(pool, s.dbUrl);
      await ensureJournal(pool);
      return catalogFingerprint(pool);
    },
    (err, delayMs) => {
      if (!catalogTransient(err)) return false;
      s.log.warn(
        `${(err as Error).message}; retrying in ${delayMs / 1000} s (if the address is wrong this never ends: ` +
          'check --db-connect / ANCHORE_DB_HOST)',
      );
      return true;
    },
    stop,
  );
}

/**
 * Connects to Temporal, retrying while it is unreachable (a server restart, workers started before the server):
 * a worker waits instead of exiting. Resolves undefined when stopped while waiting.
 */
function connectTemporal(s: WorkerSettings, stop: Promise<void>): Promise<NativeConnection | undefined> {
  return untilReachable(
    () => NativeConnection.connect({ address: s.temporalAddress }),
    (err, delayMs) => {
      s.log.warn(`Temporal at ${s.temporalAddress} is not reachable; retrying in ${delayMs / 1000} s`, {
        error: (err as Error).message,
      });
      return true;
    },
    stop,
  );
}

/**
 * Runs `attempt` until it succeeds, waiting 1 s doubling to 30 s between tries for as long as `waitOut` says the
 * failure is one to wait out (it logs what is awaited); rethrows any other. Resolves undefined once stopped.
 */
async function untilReachable<T>(
  attempt: () => Promise<T>,
  waitOut: (err: unknown, delayMs: number) => boolean,
  stop: Promise<void>,
): Promise<T | undefined> {
  let stopped = false;
  void stop.then(() => (stopped = true));
  for (let delayMs = 1_000; ; delayMs = Math.min(delayMs * 2, 30_000)) {
    try {
      return await attempt();
    } catch (err) {
      if (stopped) return undefined;
      if (!waitOut(err, delayMs)) throw err;
      await Promise.race([stop, new Promise((r) => setTimeout(r, delayMs))]);
      if (stopped) return undefined;
    }
  }
}

function signalled(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
}
