/**
 * `objectstorage rollback ID`: undoes a migration whose sources still exist (a --nodelete migration, or the
 * undeleted part of one that stopped): documents point at their sources again and the copies are removed. The
 * work runs on the workers (rollbackMigration workflow). Refused when sources were deleted: then only `reverse`
 * can move documents back, while Anchore services heartbeat (unless --force), while anchore-manager or another
 * migration of the catalog runs, and once a later migration moved its documents again. Safe to run again.
 */
import type { Command } from 'commander';
import { phaseCounts, claimCatalogForRollback, setMigrationState } from '../catalog';
import { checkAnchoreOffline, checkNoAnchoreMigration, checkRollbackAllowed } from '../catalog/guards';
import { GuardRefusedError } from '../errors';
import { taskQueueFor } from '../shared/migration';
import type { rollbackMigration, RollbackTotals } from '../workflows/rollback-migration';
import type { GlobalOptions } from './globals';
import { withMigration } from './migration-record';
import { createOutput } from './output';
import { taskIdArg } from './parse';
import { isWorkflowRunning, withTemporal } from './temporal';

export function registerRollback(program: Command, globals: () => GlobalOptions): void {
  program
    .command('rollback')
    .description('point documents of migration ID back at their still-present sources and remove the copies')
    .argument('<id>', 'migration (Anchore task) id', taskIdArg)
    .option('--force', 'run even though Anchore services still heartbeat')
    .action(async (id: number, o: { force?: boolean }) => {
      const g = globals();
      const out = createOutput(g.json);
      await withMigration(g, id, async (record, pool) => {
        // Embedded: the rollback workflow runs on a worker in this command.
        await withTemporal(g, { workers: true, say: (l) => out.note(l) }, async ({ client }) => {
          if (await isWorkflowRunning(client, record.workflow_id)) {
            throw new GuardRefusedError(
              `migration ${id} is still running; cancel it first: objectstorage cancel ${id}`,
            );
          }
          await checkAnchoreOffline(pool, o.force === true);
          await checkNoAnchoreMigration(pool);
          await checkRollbackAllowed(pool, id);
          const phases = await phaseCounts(pool, id);
          if (phases.deleted > 0) {
            throw new GuardRefusedError(
              `cannot roll back migration ${id}: the sources of ${phases.deleted} document(s) were deleted after their ` +
                `copies were verified (it ran without --nodelete). Move them back with: objectstorage reverse ${id}`,
            );
          }
          const before = await claimCatalogForRollback(pool, id, g.namespace, (wid) =>
            isWorkflowRunning(client, wid),
          );
          let totals: RollbackTotals;
          try {
            totals = await client.workflow.execute<typeof rollbackMigration>('rollbackMigration', {
              workflowId: `${record.workflow_id}-rollback`,
              taskQueue: taskQueueFor(record.catalog_fingerprint),
              args: [record.input],
              workflowIdReusePolicy: 'ALLOW_DUPLICATE',
            });
          } catch (err) {
            await setMigrationState(pool, id, before);
            throw err;
          }
          await setMigrationState(pool, id, 'rolled_back');
          report(out, id, totals);
        });
      });
    });
}

function report(out: ReturnType<typeof createOutput>, id: number, t: RollbackTotals): void {
  out.result({ id, ...t });
  out.line(
    `Rolled back migration ${id}: ${t.restored} document(s) point at their sources again, ${t.removed} copies removed`,
  );
  if (t.sourceMissing > 0) {
    out.line(
      `${t.sourceMissing} document(s) stay at the destination: their source is gone (status ${id} --failures)`,
    );
  }
}
