/** `objectstorage worker`: runs migration workflows and activities for this catalog until SIGTERM. */
import { InvalidArgumentError, type Command } from 'commander';
import { resolveCatalogUrl } from '../catalog';
import { createLogger } from '../logger';
import type { GlobalOptions } from './globals';
import { registerDbPassword } from './db-secrets';
import { nonNegativeInt, positiveInt } from './parse';

/** A worker's defaults, also those of the worker embedded mode runs in a command (memory budget: `make bench`). */
export const WORKER_DEFAULTS = {
  concurrency: 8,
  memoryBudgetMib: 16,
  /** One thread takes the bodies' churn off the main heap; each more adds its modules' memory (docs/adr/0009). */
  copyThreads: 1,
  /** After SIGTERM: a page of 1,000 small documents takes a few seconds, a page of large ones longer. */
  shutdownGraceSeconds: 30,
} as const;

export function registerWorker(program: Command, globals: () => GlobalOptions): void {
  program
    .command('worker')
    .description(
      'run a worker: executes migration workflows and their page activities (many may run at once)',
    )
    .option(
      '--concurrency <n>',
      'page activities this worker runs at once',
      positiveInt('--concurrency'),
      WORKER_DEFAULTS.concurrency,
    )
    .option(
      '--memory-budget <MiB>',
      'document bytes its page activities hold in memory at once; above 4× this the worker collects garbage after each large chunk (bounds its RSS; more trades memory for CPU)',
      positiveInt('--memory-budget'),
      WORKER_DEFAULTS.memoryBudgetMib,
    )
    .option(
      '--copy-threads <n>',
      'threads that read, re-encode and write documents, so their bytes stay out of the main heap (0: none)',
      nonNegativeInt('--copy-threads'),
      WORKER_DEFAULTS.copyThreads,
    )
    .option(
      '--metrics-port <port>',
      'serve Prometheus metrics on http://HOST:PORT/metrics',
      tcpPort('--metrics-port'),
    )
    .option(
      '--metrics-host <host>',
      'address the metrics endpoint listens on (0.0.0.0 in a container)',
      '127.0.0.1',
    )
    .option(
      '--health-port <port>',
      'serve /healthz and /readyz (Kubernetes probes) on http://HOST:PORT',
      tcpPort('--health-port'),
    )
    .option(
      '--health-host <host>',
      'address the health endpoints listen on (0.0.0.0 in a container)',
      '127.0.0.1',
    )
    .option(
      '--shutdown-grace <seconds>',
      'after SIGTERM, how long in-flight page activities may run before they are cancelled and handed back to the queue',
      positiveInt('--shutdown-grace'),
      WORKER_DEFAULTS.shutdownGraceSeconds,
    )
    .addHelpText(
      'after',
      '\nThe worker connects to the catalog with --db-connect / ANCHORE_DB_* (it must be the catalog the CLI uses),\n' +
        'resolves ${ANCHORE_*} secret references from its own environment and unseals sealed values with\n' +
        'OBJECTSTORAGE_SECRET_KEY. SIGTERM or Ctrl-C stops it: it takes no new work, lets in-flight activities\n' +
        'finish for --shutdown-grace seconds, hands back the rest (another worker redoes them) and exits 0.\n' +
        'With --metrics-port it serves the Temporal SDK metrics (temporal_*) and its own (anchore_objectstorage_*)\n' +
        'on one Prometheus endpoint.',
    )
    .action(
      async (opts: {
        concurrency: number;
        memoryBudget: number;
        copyThreads: number;
        metricsPort?: number;
        metricsHost: string;
        healthPort?: number;
        healthHost: string;
        shutdownGrace: number;
      }) => {
        const g = globals();
        const db = resolveCatalogUrl(g.dbConnect, process.env);
        registerDbPassword(db.url);
        const log = createLogger(g.logLevel === 'warn' ? 'info' : g.logLevel);
        // Loaded on use: the worker SDK is heavy and other commands do not need it.
        const { runWorker } = await import('../workers/worker');
        await runWorker({
          dbUrl: db.url,
          temporalAddress: g.temporalAddress,
          temporalConnection: g.temporalConnection,
          namespace: g.namespace,
          concurrency: opts.concurrency,
          memoryBudgetBytes: opts.memoryBudget * 1024 * 1024,
          copyThreads: opts.copyThreads,
          log,
          ...(opts.metricsPort ? { metrics: { host: opts.metricsHost, port: opts.metricsPort } } : {}),
          ...(opts.healthPort ? { health: { host: opts.healthHost, port: opts.healthPort } } : {}),
          shutdownGraceSeconds: opts.shutdownGrace,
        });
      },
    );
}

/** A parser of TCP port values for `flag`. */
function tcpPort(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > 65535)
      throw new InvalidArgumentError(`${flag} must be a TCP port (1-65535), got "${value}"`);
    return n;
  };
}
