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
import { dataConverterFromEnv } from '../converter/data-converter';
import type { Logger } from '../logger';
import { taskQueueFor } from '../shared/migration';
import {
  describeSecurity,
  temporalTlsError,
  type SecureConnectionOptions,
} from '../shared/temporal-connection';
import { copyThreadsAvailable, startCopyThreads, type CopyThreads } from './copy-threads';
import { createDriverProvider } from './driver-provider';
import { serveHealth, type HealthAddress, type Readiness } from './health';
import { collectorAbove, startHeapCeiling } from './heap-ceiling';
import { installRuntime, type MetricsAddress } from './runtime';

const MIB = 1024 * 1024;
/**
 * JS heap plus Buffers above which the worker's main thread collects garbage (live after a collection: ~35
 * MiB; see heap-ceiling.ts). Bodies pass through it only without copy threads; with them, its garbage is
 * journal rows, thread messages and Temporal's protobufs, which V8 otherwise lets grow to the ceiling
 * (bench/README.md, "Measurements behind the code").
 */
const HEAP_CEILING_BYTES = { copyingInMain: 96 * MIB, withCopyThreads: 64 * MIB } as const;

/** Options of {@link runWorker}. */
export interface WorkerSettings {
  readonly dbUrl: string;
  readonly temporalAddress: string;
  /** TLS, mTLS, API key of that Temporal (none: plaintext). */
  readonly temporalConnection?: SecureConnectionOptions;
  readonly namespace: string;
  /** Activities (page stages) run at once by this worker. @default 8 */
  readonly concurrency: number;
  /** Document bytes the worker's page activities may hold in memory at once. */
  readonly memoryBudgetBytes: number;
  /** Threads that read, re-encode and write the documents of chunks (docs/adr/0009); 0: the main thread. */
  readonly copyThreads: number;
  readonly log: Logger;
  /** Serve Prometheus metrics (SDK and ours) here; none when absent. */
  readonly metrics?: MetricsAddress;
  /** Resolves when the worker should stop; defaults to SIGTERM/SIGINT. */
  readonly stop?: Promise<void>;
  /** Whether the SDK drains the worker on SIGINT/SIGTERM itself (not inside a CLI command, which decides). @default true */
  readonly handleSignals?: boolean;
  /** Serve `/healthz` and `/readyz` here; none when absent. */
  readonly health?: HealthAddress;
  /** Seconds in-flight activities get after a stop before they are cancelled and handed back. */
  readonly shutdownGraceSeconds: number;
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
  // A page's transaction can need a second connection (a db/db2 driver's delete, the fence renewal).
  const pool = createWorkerPool(s.dbUrl, Math.max(4, 2 * s.concurrency + 2));
  const drivers = createDriverProvider(pool);
  const copier = startCopier(s);
  const stopHeapCeiling = startHeapCeiling(
    copier ? HEAP_CEILING_BYTES.withCopyThreads : HEAP_CEILING_BYTES.copyingInMain,
  );
  const state: WorkerState = { step: 'catalog' };
  const health = s.health ? await serveHealth(s.health, () => readiness(state, pool, s)) : undefined;
  if (s.health) s.log.info(`serving /healthz and /readyz on http://${s.health.host}:${s.health.port}`);
  try {
    const stop = s.stop ?? signalled();
    void stop.then(() => (state.step = 'stopping'));
    const fingerprint = await openCatalog(pool, s, stop);
    if (fingerprint === undefined) return;
    state.step = 'temporal';
    const connection = await connectTemporal(s, stop);
    if (!connection) return;
    try {
      const worker = await Worker.create({
        connection,
        namespace: s.namespace,
        taskQueue: taskQueueFor(fingerprint),
        ...workflowSource(),
        activities: createActivities(
          {
            pool,
            fingerprint,
            drivers,
            log: s.log,
            budget: documentBudget(s.memoryBudgetBytes),
            ...(copier ? { copier } : {}),
          },
          createActivityMetrics(Runtime.instance().metricMeter),
        ),
        maxConcurrentActivityTaskExecutions: s.concurrency,
        dataConverter: dataConverterFromEnv(),
        // After this, activities still running are cancelled: their pages go back to the queue for another worker.
        shutdownGraceTime: `${s.shutdownGraceSeconds}s`,
      });
      s.log.info(
        `worker ready on task queue ${taskQueueFor(fingerprint)} (${s.concurrency} activity slots, ` +
          `${Math.round(s.memoryBudgetBytes / MIB)} MiB document budget, ` +
          `${copier ? `${s.copyThreads} copy threads` : 'copies in the main thread'})`,
      );
      void stop.then(() => {
        s.log.info(
          'stopping: no new work is taken; in-flight activities get ' +
            `${s.shutdownGraceSeconds} s to finish, then go back to the queue`,
        );
        // The SDK's Runtime reacts to SIGTERM/SIGINT itself and may already be draining this worker.
        if (worker.getState() === 'RUNNING') worker.shutdown();
      });
      const running = worker.run();
      state.step = 'running';
      state.worker = worker;
      state.connection = connection;
      s.onReady?.();
      await running;
      s.log.info('stopped: every in-flight activity finished or went back to the queue');
    } finally {
      state.step = 'stopping';
      await connection.close();
    }
  } finally {
    stopHeapCeiling();
    await health?.close();
    await copier?.close();
    await drivers.close();
    await pool.end();
  }
}

/**
 * The worker's copy threads, each with catalog sessions for the chunks it may have in flight (a db/db2 source
 * reads a chunk with one). None when asked for none, or when the worker runs from TypeScript sources (tests).
 */
function startCopier(s: WorkerSettings): CopyThreads | undefined {
  if (s.copyThreads === 0 || !copyThreadsAvailable()) return undefined;
  const connections = Math.ceil(s.concurrency / s.copyThreads) + 1;
  return startCopyThreads(s.copyThreads, { dbUrl: s.dbUrl, connections }, s.log);
}

/** Where the worker is in its life, for `/readyz`. */
interface WorkerState {
  step: 'catalog' | 'temporal' | 'running' | 'stopping';
  worker?: Worker;
  connection?: NativeConnection;
}

/** How long a readiness check waits for the catalog and Temporal to answer. */
const READINESS_TIMEOUT_MS = 2_000;

/** Ready while polling, with the catalog and Temporal answering now; else what the worker waits for. */
async function readiness(state: WorkerState, pool: Pool, s: WorkerSettings): Promise<Readiness> {
  if (state.step === 'catalog') return { ready: false, reason: 'waiting for the catalog database to answer' };
  if (state.step === 'temporal')
    return { ready: false, reason: `waiting for Temporal at ${s.temporalAddress}` };
  if (state.step === 'stopping' || state.worker?.getState() !== 'RUNNING')
    return { ready: false, reason: 'stopping: finishing in-flight activities' };
  const connection = state.connection as NativeConnection;
  const [catalog, temporal] = await Promise.allSettled([
    withTimeout(pool.query('SELECT 1'), 'the catalog database'),
    connection.withDeadline(Date.now() + READINESS_TIMEOUT_MS, () =>
      connection.workflowService.getSystemInfo({}),
    ),
  ]);
  if (catalog.status === 'rejected')
    return { ready: false, reason: `catalog not answering: ${(catalog.reason as Error).message}` };
  if (temporal.status === 'rejected')
    return {
      ready: false,
      reason: `Temporal at ${s.temporalAddress} not answering: ${(temporal.reason as Error).message}`,
    };
  return { ready: true, reason: 'ready: polling, catalog and Temporal answer' };
}

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) =>
      setTimeout(
        () => reject(new Error(`${what} did not answer in ${READINESS_TIMEOUT_MS} ms`)),
        READINESS_TIMEOUT_MS,
      ),
    ),
  ]);
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
  const target = {
    address: s.temporalAddress,
    connection: s.temporalConnection ?? {},
    security: describeSecurity(s.temporalConnection ?? {}),
  };
  return untilReachable(
    () => NativeConnection.connect({ ...target.connection, address: target.address }),
    (err, delayMs) => {
      // A certificate that does not verify will not start verifying: say so and stop.
      const tlsError = temporalTlsError(target, err);
      if (tlsError) throw tlsError;
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
