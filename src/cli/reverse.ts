/**
 * `objectstorage reverse ID`: a new migration with the two configs of migration ID swapped, taken from its
 * stored inputs (references and sealed values, as the original had them). Moves back whatever is now at the
 * original destination location.
 */
import type { Command } from 'commander';
import { activeWorkflowId, catalogFingerprint, countSelection } from '../catalog';
import { checkAnchoreOffline, checkNoAnchoreMigration, checkLocations } from '../activities/guards';
import { GuardRefusedError } from '../errors';
import type { MigrationInput, Selection } from '../shared/migration';
import type { GlobalOptions } from './globals';
import { withMigration } from './migration-record';
import { createOutput } from './output';
import { taskIdArg } from './parse';
import { startMigration } from './start-migration';
import { isWorkflowRunning, withTemporal } from './temporal';

/** The reversed input of `orig`, for a new task id. */
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
  };
}

export function registerReverse(program: Command, globals: () => GlobalOptions): void {
  program
    .command('reverse')
    .description('migrate back: a new migration with the configs of migration ID swapped')
    .argument('<id>', 'migration (Anchore task) id to reverse', taskIdArg)
    .option('--nodelete', 'keep the copies at the original destination')
    .option('--force', 'run even though Anchore services still heartbeat')
    .option('--detach', 'start and return at once')
    .action(async (id: number, o: { nodelete?: boolean; force?: boolean; detach?: boolean }) => {
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
        const fingerprint = await catalogFingerprint(pool);
        const probe = reversedInput(record.input, 0, o.nodelete === true, o.force !== true);
        checkLocations(probe.selection.sourcePrefix, probe.destLocation);
        await checkAnchoreOffline(pool, o.force === true);
        await checkNoAnchoreMigration(pool);
        const total = (await countSelection(pool, probe.selection)).reduce((n, b) => n + b.documents, 0);
        out.line(
          `Reversing migration ${id}: ${probe.selection.sourcePrefix} → ${probe.destLocation}, ${total} documents`,
        );
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
