/**
 * `objectstorage plan FROM TO`: what a migrate with the same arguments would move — documents and stored bytes
 * per logical bucket, the source and destination locations, and the guards' verdict. Writes nothing.
 */
import type { Command } from 'commander';
import { checkLocations } from '../activities/guards';
import { countSelection } from '../catalog';
import { mib } from '../shared/bytes';
import { withCatalog } from './catalog-connection';
import type { GlobalOptions } from './globals';
import { loadMigrationSides, type SelectionFlags } from './migration-setup';
import { createOutput } from './output';
import { collect } from './parse';

type PlanOptions = SelectionFlags;

export function registerPlan(program: Command, globals: () => GlobalOptions): void {
  program
    .command('plan')
    .description('show what migrate would move (counts and bytes per logical bucket); writes nothing')
    .argument('<from>', 'Anchore config.yaml of the current store')
    .argument('<to>', 'Anchore config.yaml of the new store')
    .option('--bucket <name>', 'only this logical bucket (repeatable)', collect, [])
    .option('--from-analysis-archive', 'the source is the analysis_archive section of FROM')
    .option('--to-analysis-archive', 'the destination is the analysis_archive section of TO')
    .action(async (fromFile: string, toFile: string, o: PlanOptions) => {
      const g = globals();
      const out = createOutput(g.json);
      await withCatalog(g, async (pool) => {
        const { from, to, selection } = await loadMigrationSides(pool, fromFile, toFile, o, (w) =>
          out.warn(w),
        );
        checkLocations(selection.sourcePrefix, to.location);
        const buckets = await countSelection(pool, selection);
        const total = buckets.reduce((n, b) => n + b.documents, 0);
        const bytes = buckets.reduce((n, b) => n + b.bytes, 0);
        out.result({
          from: {
            section: from.loaded.sectionPath,
            driver: from.loaded.config.storage_driver.name,
            location: from.location,
          },
          to: {
            section: to.loaded.sectionPath,
            driver: to.loaded.config.storage_driver.name,
            location: to.location,
          },
          selection,
          buckets,
          total,
          bytes,
        });
        out.line(
          `From: ${from.loaded.sectionPath} (${from.loaded.config.storage_driver.name}) ${from.location}`,
        );
        out.line(`To:   ${to.loaded.sectionPath} (${to.loaded.config.storage_driver.name}) ${to.location}`);
        if (selection.excludeBuckets.length > 0)
          out.line(`Not moved: ${selection.excludeBuckets.join(', ')} (its own analysis_archive store)`);
        out.line('');
        out.line(`${'logical bucket'.padEnd(32)} ${'documents'.padStart(10)} ${'stored'.padStart(12)}`);
        for (const b of buckets)
          out.line(`${b.bucket.padEnd(32)} ${String(b.documents).padStart(10)} ${mib(b.bytes).padStart(12)}`);
        out.line(`${'total'.padEnd(32)} ${String(total).padStart(10)} ${mib(bytes).padStart(12)}`);
      });
    });
}
