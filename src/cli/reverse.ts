/**
 * `objectstorage reverse ID`: a new migration with the two configs of migration ID swapped, taken from its
 * stored inputs (references and sealed values, as the original had them). It moves back the documents migration
 * ID moved (its journal says which) that are still at its destination, not whatever else is there now.
 */
import type { Command } from 'commander';
import { activeWorkflowId, catalogFingerprint, countSelection } from '../catalog';
import { checkAnchoreOffline, checkNoAnchoreMigration, checkLocations } from '../catalog/guards';
import { ExitCode, GuardRefusedError, JournalPrunedError } from '../errors';
import type { MigrationInput, Selection } from '../shared/migration';
import type { GlobalOptions } from './globals';
import { confirmStopped } from './confirm';
import { withMigration } from './migration-record';
import { createOutput } from './output';
import { taskIdArg } from './parse';
import { startMigration } from './start-migration';
import { isWorkflowRunning, withTemporal } from './temporal';

interface ReverseOptions {
  nodelete?: boolean;
  dontask?: boolean;
  force?: boolean;
  detach?: boolean;
}

/** The reversed input of `orig`, for a new task id: only what `orig` moved, from where it put it. */
export function reversedInput(
  orig: MigrationInput,
  taskId: number,
  nodelete: boolean,
  watchAnchore: boolean,
): MigrationInput {
  const selection: Selection = {
    sourcePrefix: orig.destLocation,
    buckets: orig.selection.buckets,
    excludeBuckets: orig.selection.excludeBuckets,
    movedBy: orig.taskId,
  };
  return {
    ...orig,
    taskId,
    from: orig.to,
    to: orig.from,
    selection,
    destLocation: orig.selection.sourcePrefix,
    fromAnalysisArchive: orig.toAnalysisArchive,
    toAnalysisArchive: orig.fromAnalysisArchive,
    nodelete,
    watchAnchore,
    markSharedStores: true,
  };
}

export function registerReverse(program: Command, globals: () => GlobalOptions): void {
  program
    .command('reverse')
    .description('migrate back: a new migration with the configs of migration ID swapped')
    .argument('<id>', 'migration (Anchore task) id to reverse', taskIdArg)
    .option('--nodelete', 'keep the copies at the original destination')
    .option('--dontask', 'do not ask for confirmation')
    .option('--force', 'run even though Anchore services still heartbeat')
    .option('--detach', 'start and return at once')
    .action(async (id: number, o: ReverseOptions) => {
      const g = globals();
      const out = createOutput(g.json);
      process.exitCode = await withMigration(g, id, async (record, pool) => {
        // A record still marked running whose workflow ended outside us is closed by this look.
        const running =
          (record.state === 'running' || record.state === 'rolling_back') &&
          (await withTemporal(g, { say: (l) => out.note(l) }, async ({ client }) =>
            isWorkflowRunning(client, activeWorkflowId(record)),
          ));
        if (running)
          throw new GuardRefusedError(`migration ${id} is still running; wait for it or cancel it first`);
        if (record.pruned_at)
          throw new JournalPrunedError(
            `migration ${id}'s journal was pruned (objectstorage prune, ${record.pruned_at.toISOString()}), so ` +
              `which documents it moved is no longer known and it cannot be reversed. To move back everything ` +
              `now at ${record.input.destLocation}, run objectstorage migrate with the destination's config as ` +
              `FROM and the source's config as TO.`,
          );
        const fingerprint = await catalogFingerprint(pool);
        const probe = reversedInput(record.input, 0, o.nodelete === true, o.force !== true);
        checkLocations(probe.selection.sourcePrefix, probe.destLocation);
        await checkAnchoreOffline(pool, o.force === true);
        await checkNoAnchoreMigration(pool);
        const total = (await countSelection(pool, probe.selection)).reduce((n, b) => n + b.documents, 0);
        out.line(
          `Reversing migration ${id}: ${total} documents it moved, ${probe.selection.sourcePrefix} → ` +
            `${probe.destLocation}`,
        );
        if (total === 0) {
          out.line(
            `Nothing to move back: no document migration ${id} moved is still at ${probe.selection.sourcePrefix}.`,
          );
          return ExitCode.ok;
        }
        if (!o.dontask && !(await confirmStopped(out))) {
          out.line('Skipping conversion.');
          return ExitCode.ok;
        }
        return startMigration(
          pool,
          g,
          out,
          {
            total,
            fingerprint,
            inputFor: (taskId) => ({
              ...reversedInput(record.input, taskId, o.nodelete === true, o.force !== true),
              catalogFingerprint: fingerprint,
            }),
          },
          { detach: o.detach === true },
        );
      });
    });
}
