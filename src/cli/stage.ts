/**
 * `objectstorage stage FROM TO`: the first half of a near-zero-downtime migration (docs/adr/0006). Runs while
 * Anchore serves: copies and verifies every selected document to TO, switches nothing, deletes nothing, and keeps
 * passing over what Anchore changed until `objectstorage cutover ID`. No offline guard and no question: nothing
 * Anchore reads changes.
 */
import type { Command } from 'commander';
import { catalogFingerprint, countSelection } from '../catalog';
import { checkNoAnchoreMigration } from '../catalog/guards';
import { withCatalog } from './catalog-connection';
import type { GlobalOptions } from './globals';
import { addCopyOptions, tuningOf, type CopyOptions } from './migration-options';
import { buildInput, loadMigrationSides } from './migration-setup';
import { checkMigrationPrivileges } from './migration-privileges';
import { createOutput } from './output';
import { positiveInt } from './parse';
import { startMigration } from './start-migration';

interface StageOptions extends CopyOptions {
  passEvery: number;
}

export function registerStage(program: Command, globals: () => GlobalOptions): void {
  const command = program
    .command('stage')
    .description(
      'copy and verify every document to TO while Anchore keeps serving, then keep up with what changes; ' +
        'switch with objectstorage cutover ID (Anchore stopped only for that)',
    )
    .argument('<from>', 'Anchore config.yaml of the current store')
    .argument('<to>', 'Anchore config.yaml of the new store')
    .option(
      '--pass-every <seconds>',
      'seconds between passes over what Anchore changed',
      positiveInt('--pass-every'),
      30,
    );
  addCopyOptions(command)
    .addHelpText(
      'after',
      '\nNothing Anchore reads changes: no row is switched and no source deleted until the cutover.\n' +
        'Then: stop Anchore, run objectstorage cutover ID, start Anchore on the new config (docs/operations.md: Near-zero downtime).\n' +
        'Exit codes: 0 staged and cut over (or detached), 1 usage/config error, 3 a guard refused.',
    )
    .action(async (from: string, to: string, opts: StageOptions) => {
      process.exitCode = await runStage(from, to, opts, globals());
    });
}

async function runStage(
  fromFile: string,
  toFile: string,
  o: StageOptions,
  g: GlobalOptions,
): Promise<number> {
  const out = createOutput(g.json);
  return withCatalog(g, async (pool) => {
    const { from, to, selection } = await loadMigrationSides(pool, fromFile, toFile, o, (w) => out.warn(w));
    await checkMigrationPrivileges(pool, 'stage', from, to);
    // The cutover chooses whether sources are kept; staging deletes nothing either way.
    const tuning = tuningOf(o, { nodelete: false, watchAnchore: false });
    const fingerprint = await catalogFingerprint(pool);
    const stage = { passEverySeconds: o.passEvery };
    const inputFor = (taskId: number) => ({
      ...buildInput(taskId, fingerprint, from, to, selection, tuning),
      stage,
    });
    inputFor(0); // validates inputs and secrets before anything is written
    await checkNoAnchoreMigration(pool);
    const total = (await countSelection(pool, selection)).reduce((n, b) => n + b.documents, 0);
    out.line(
      `From: ${from.loaded.sectionPath} in ${fromFile} (${from.loaded.config.storage_driver.name}, ${from.location})`,
    );
    out.line(
      `To:   ${to.loaded.sectionPath} in ${toFile} (${to.loaded.config.storage_driver.name}, ${to.location})`,
    );
    out.line(
      `Documents to stage: ${total}${selection.buckets.length ? ` in buckets: ${selection.buckets.join(', ')}` : ''} ` +
        `(Anchore keeps running; nothing it reads changes until objectstorage cutover)`,
    );
    const nextStep = (id: number): string =>
      `Next: once objectstorage status ${id} shows a pass that found little, stop Anchore and run ` +
      `objectstorage cutover ${id} (or drop it with objectstorage abort ${id})`;
    return startMigration(
      pool,
      g,
      out,
      { total, fingerprint, inputFor, nextStep },
      { detach: o.detach === true },
    );
  });
}
