/**
 * `objectstorage drain`: the first half of an upgrade where Worker Versioning is not used (docs: the chart's
 * README). It pauses the catalog's running migration and waits until no page is in flight, so new workers can
 * be deployed while nothing moves; `objectstorage resume ID` starts pages again on them.
 */
import type { Command } from 'commander';
import { runningMigrations } from '../catalog';
import { DrainTimeoutError, GuardRefusedError } from '../errors';
import { pauseUpdate, progressQuery } from '../shared/messages';
import { taskQueueFor } from '../shared/migration';
import { withCatalog } from './catalog-connection';
import type { GlobalOptions } from './globals';
import { createOutput } from './output';
import { positiveInt } from './parse';
import { openTemporal } from './temporal';
import { workersServing } from './workers-serving';

/** How often drain looks and says what it waits for. */
const POLL_MS = 1_000;
const SAY_EVERY_MS = 5_000;

export function registerDrain(program: Command, globals: () => GlobalOptions): void {
  program
    .command('drain')
    .description(
      "before deploying new workers: pause this catalog's running migration and wait until no page is in flight",
    )
    .option('--timeout <seconds>', 'give up waiting after this long (exit 1)', positiveInt('--timeout'), 600)
    .addHelpText(
      'after',
      '\nAfterwards deploy the new workers (every worker of the catalog), then run `objectstorage resume ID`.\n' +
        'Nothing is lost if a worker stops without a drain: its pages are redone elsewhere; a drain only makes\n' +
        'the upgrade quiet and lets you check the new release before it moves anything.',
    )
    .action(async (opts: { timeout: number }) => drain(globals(), opts.timeout * 1000));
}

async function drain(g: GlobalOptions, timeoutMs: number): Promise<void> {
  const out = createOutput(g.json);
  await withCatalog(g, async (pool) => {
    const running = await runningMigrations(pool);
    if (running.some((r) => r.state === 'rolling_back'))
      throw new GuardRefusedError(
        'a rollback of this catalog is running and cannot be paused: wait for it to end (objectstorage ' +
          'list-migrations), then drain and deploy',
      );
    const record = running[0];
    if (!record) {
      out.result({ drained: true, migration: null });
      out.line('no migration is running on this catalog: deploy the new workers now');
      return;
    }
    const id = record.task_id;
    const session = await openTemporal(g, { say: (l) => out.note(l) });
    try {
      const queue = taskQueueFor(record.catalog_fingerprint);
      if ((await workersServing(session.client, queue)).length === 0) {
        out.result({ drained: true, migration: id, withoutWorker: true });
        out.line(
          `migration ${id}: no worker serves task queue ${queue}, so nothing is in flight: deploy the new ` +
            'workers now; the migration goes on when they poll',
        );
        return;
      }
      const handle = session.client.workflow.getHandle(record.workflow_id);
      await handle.executeUpdate(pauseUpdate);
      const started = Date.now();
      let said = 0;
      for (;;) {
        const p = await handle.query(progressQuery);
        if (p.inFlightPages === 0) {
          out.result({ drained: true, migration: id, progress: p });
          out.line(
            `migration ${id} is paused with no page in flight (${p.counters.migrated}/${p.counters.total} ` +
              `migrated): deploy the new workers now, then run \`objectstorage resume ${id}\``,
          );
          return;
        }
        if (Date.now() - started > timeoutMs)
          throw new DrainTimeoutError(
            `migration ${id} still has ${p.inFlightPages} page(s) in flight after ${timeoutMs / 1000} s (it is ` +
              `paused). Run drain again with a longer --timeout, or deploy anyway: stopped workers' pages are ` +
              'redone by the new ones',
          );
        if (Date.now() - said >= SAY_EVERY_MS) {
          out.note(`migration ${id} paused: waiting for ${p.inFlightPages} in-flight page(s) to finish`);
          said = Date.now();
        }
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    } finally {
      await session.close();
    }
  });
}
