/** `objectstorage worker`: runs migration workflows and activities for this catalog until SIGTERM. */
import type { Command } from 'commander';
import { resolveCatalogUrl } from '../catalog';
import { createLogger } from '../logger';
import { runWorker } from '../workers/worker';
import type { GlobalOptions } from './globals';
import { registerDbPassword } from './db-secrets';
import { positiveInt } from './parse';

export function registerWorker(program: Command, globals: () => GlobalOptions): void {
  program
    .command('worker')
    .description(
      'run a worker: executes migration workflows and their page activities (many may run at once)',
    )
    .option('--concurrency <n>', 'page activities this worker runs at once', positiveInt('--concurrency'), 8)
    .addHelpText(
      'after',
      '\nThe worker connects to the catalog with --db-connect / ANCHORE_DB_* (it must be the catalog the CLI uses),\n' +
        'resolves ${ANCHORE_*} secret references from its own environment and unseals sealed values with\n' +
        'OBJECTSTORAGE_SECRET_KEY. SIGTERM or Ctrl-C stops it after in-flight activities finish.',
    )
    .action(async (opts: { concurrency: number }) => {
      const g = globals();
      const db = resolveCatalogUrl(g.dbConnect, process.env);
      registerDbPassword(db.url);
      const log = createLogger(g.logLevel === 'warn' ? 'info' : g.logLevel);
      await runWorker({
        dbUrl: db.url,
        temporalAddress: g.temporalAddress,
        namespace: g.namespace,
        concurrency: opts.concurrency,
        log,
      });
    });
}
