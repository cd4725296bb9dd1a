/** `objectstorage worker`: runs migration workflows and activities for this catalog until SIGTERM. */
import { InvalidArgumentError, type Command } from 'commander';
import { resolveCatalogUrl } from '../catalog';
import { createLogger } from '../logger';
import type { GlobalOptions } from './globals';
import { registerDbPassword } from './db-secrets';
import { positiveInt } from './parse';

/** A worker's defaults, also those of the worker embedded mode runs in a command (memory budget: `make bench`). */
export const WORKER_DEFAULTS = { concurrency: 8, memoryBudgetMib: 16 } as const;

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
    .option('--metrics-port <port>', 'serve Prometheus metrics on http://HOST:PORT/metrics', port)
    .option(
      '--metrics-host <host>',
      'address the metrics endpoint listens on (0.0.0.0 in a container)',
      '127.0.0.1',
    )
    .addHelpText(
      'after',
      '\nThe worker connects to the catalog with --db-connect / ANCHORE_DB_* (it must be the catalog the CLI uses),\n' +
        'resolves ${ANCHORE_*} secret references from its own environment and unseals sealed values with\n' +
        'OBJECTSTORAGE_SECRET_KEY. SIGTERM or Ctrl-C stops it after in-flight activities finish.\n' +
        'With --metrics-port it serves the Temporal SDK metrics (temporal_*) and its own (anchore_objectstorage_*)\n' +
        'on one Prometheus endpoint.',
    )
    .action(
      async (opts: {
        concurrency: number;
        memoryBudget: number;
        metricsPort?: number;
        metricsHost: string;
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
          namespace: g.namespace,
          concurrency: opts.concurrency,
          memoryBudgetBytes: opts.memoryBudget * 1024 * 1024,
          log,
          ...(opts.metricsPort ? { metrics: { host: opts.metricsHost, port: opts.metricsPort } } : {}),
        });
      },
    );
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new InvalidArgumentError(`--metrics-port must be a TCP port (1-65535), got "${value}"`);
  return n;
}
