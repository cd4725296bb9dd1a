/**
 * `objectstorage migrate FROM TO`: anchore-manager's migrate as a durable Temporal workflow. Registers the
 * Anchore task row, starts the workflow (id from the task id), follows it, and prints the summary and the
 * config block to adopt (secrets as references, never values).
 */
import type { Command } from 'commander';
import { catalogFingerprint, countSelection } from '../catalog';
import { checkAnchoreOffline, checkNoAnchoreMigration } from '../catalog/guards';
import { ExitCode, UsageError } from '../errors';
import { withCatalog } from './catalog-connection';
import type { GlobalOptions } from './globals';
import { addCopyOptions, tuningOf, type CopyOptions } from './migration-options';
import { buildInput, loadMigrationSides } from './migration-setup';
import { checkMigrationPrivileges } from './migration-privileges';
import { confirmStopped } from './confirm';
import { createOutput } from './output';
import { describeSourceDeletes, printSourceDeletes } from './source-deletes';
import { startMigration } from './start-migration';

interface MigrateOptions extends CopyOptions {
  nodelete?: boolean;
  reclaimVersions?: boolean;
  dontask?: boolean;
  force?: boolean;
}

export function registerMigrate(program: Command, globals: () => GlobalOptions): void {
  const command = program
    .command('migrate')
    .description('move every document from the store FROM describes to the store TO describes')
    .argument('<from>', 'Anchore config.yaml of the current store')
    .argument('<to>', 'Anchore config.yaml of the new store')
    .option('--nodelete', 'keep the source copies (enables rollback)')
    .option(
      '--reclaim-versions',
      'in a versioned S3 source bucket, also delete the migrated version behind each delete marker (frees the space; needs s3:DeleteObjectVersion)',
    )
    .option('--dontask', 'do not ask for confirmation')
    .option('--force', 'migrate even though Anchore services still heartbeat');
  addCopyOptions(command)
    .addHelpText(
      'after',
      '\nExit codes: 0 every document migrated, 1 usage/config error, 2 finished with failures (see status --failures),\n' +
        '3 a guard refused (same location, another migration running, Anchore online), 4 cancelled.\n' +
        'Workers (objectstorage worker) do the work; Ctrl-C only detaches this command.',
    )
    .action(async (from: string, to: string, opts: MigrateOptions) => {
      process.exitCode = await runMigrate(from, to, opts, globals());
    });
}

async function runMigrate(
  fromFile: string,
  toFile: string,
  o: MigrateOptions,
  g: GlobalOptions,
): Promise<number> {
  const out = createOutput(g.json);
  return withCatalog(g, async (pool) => {
    const { from, to, selection } = await loadMigrationSides(pool, fromFile, toFile, o, (w) => out.warn(w));
    await checkMigrationPrivileges(pool, 'migrate', from, to);
    if (o.reclaimVersions && o.nodelete)
      throw new UsageError(
        '--reclaim-versions deletes source versions; --nodelete keeps every source: choose one',
      );
    const tuning = tuningOf(o, {
      nodelete: o.nodelete === true,
      reclaimVersions: o.reclaimVersions === true,
      watchAnchore: o.force !== true,
    });
    const fingerprint = await catalogFingerprint(pool);
    // Validate inputs and secrets before asking or writing anything.
    buildInput(0, fingerprint, from, to, selection, tuning);
    await checkAnchoreOffline(pool, o.force === true);
    await checkNoAnchoreMigration(pool);
    const buckets = await countSelection(pool, selection);
    const total = buckets.reduce((n, b) => n + b.documents, 0);
    out.line(
      `From: ${from.loaded.sectionPath} in ${fromFile} (${from.loaded.config.storage_driver.name}, ${from.location})`,
    );
    out.line(
      `To:   ${to.loaded.sectionPath} in ${toFile} (${to.loaded.config.storage_driver.name}, ${to.location})`,
    );
    out.line(
      `Documents to migrate: ${total}${selection.buckets.length ? ` in buckets: ${selection.buckets.join(', ')}` : ''}`,
    );
    printSourceDeletes(
      out,
      (await describeSourceDeletes(from, pool, tuning.nodelete, tuning.reclaimVersions)).notes,
    );
    if (!o.dontask && !(await confirmStopped(out))) {
      out.line('Skipping conversion.');
      return ExitCode.ok;
    }

    return await startMigration(
      pool,
      g,
      out,
      {
        total,
        fingerprint,
        inputFor: (taskId) => buildInput(taskId, fingerprint, from, to, selection, tuning),
      },
      { detach: o.detach === true },
    );
  });
}
