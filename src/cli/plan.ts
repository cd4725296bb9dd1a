/**
 * `objectstorage plan FROM TO`: what a migrate with the same arguments would move — documents and stored bytes
 * per logical bucket, the source and destination locations, and the guards' verdict. Writes nothing.
 */
import type { Command } from 'commander';
import { checkLocations } from '../catalog/guards';
import { countSelection } from '../catalog';
import { findAnchoreUnreadableKeys, type AnchoreUnreadableKeys } from '../catalog/anchore-unreadable-keys';
import { driverLimitsKeys } from '../shared/anchore-unreadable-keys';
import { formatBytes } from '../shared/bytes';
import { withCatalog } from './catalog-connection';
import type { GlobalOptions } from './globals';
import { loadMigrationSides, type SelectionFlags } from './migration-setup';
import { createOutput } from './output';
import { collect } from './parse';
import { describeSourceDeletes, printSourceDeletes } from './source-deletes';

type PlanOptions = SelectionFlags & { nodelete?: boolean };

export function registerPlan(program: Command, globals: () => GlobalOptions): void {
  program
    .command('plan')
    .description('show what migrate would move (counts and bytes per logical bucket); writes nothing')
    .argument('<from>', 'Anchore config.yaml of the current store')
    .argument('<to>', 'Anchore config.yaml of the new store')
    .option('--bucket <name>', 'only this logical bucket (repeatable)', collect, [])
    .option('--from-analysis-archive', 'the source is the analysis_archive section of FROM')
    .option('--to-analysis-archive', 'the destination is the analysis_archive section of TO')
    .option('--nodelete', 'as migrate --nodelete: the sources are kept (says so instead of what deletes do)')
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
        const fromDriver = from.loaded.config.storage_driver.name;
        const toDriver = to.loaded.config.storage_driver.name;
        const [atDestination, atSource] = await findAnchoreUnreadableKeys(pool, selection, [
          toDriver,
          fromDriver,
        ]);
        const deletes = await describeSourceDeletes(from, pool, o.nodelete === true);
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
          anchoreUnreadable: { count: atDestination.count, examples: atDestination.examples },
          anchoreUnreadableAtSource: { count: atSource.count, examples: atSource.examples },
          sourceDeletes: deletes.summary,
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
          out.line(
            `${b.bucket.padEnd(32)} ${String(b.documents).padStart(10)} ${formatBytes(b.bytes).padStart(12)}`,
          );
        out.line(`${'total'.padEnd(32)} ${String(total).padStart(10)} ${formatBytes(bytes).padStart(12)}`);
        for (const w of unreadableWarnings(atSource, atDestination)) out.warn(w);
        printSourceDeletes(out, deletes.notes);
      });
    });
}

const keysOf = (k: AnchoreUnreadableKeys): string =>
  JSON.stringify(k.examples.map((e) => [e.userId, e.bucket, e.archiveId]));
const sameDocuments = (a: AnchoreUnreadableKeys, b: AnchoreUnreadableKeys): boolean =>
  a.count === b.count && keysOf(a) === keysOf(b);

function exampleLines(k: AnchoreUnreadableKeys): string[] {
  const lines = k.examples.map(
    (e) =>
      `  userId ${JSON.stringify(e.userId)} bucket ${JSON.stringify(e.bucket)} ` +
      `archiveId ${JSON.stringify(e.archiveId)}: ${e.reason}`,
  );
  if (k.count > k.examples.length) lines.push(`  … and ${k.count - k.examples.length} more`);
  return lines;
}

/**
 * Warnings about documents Anchore cannot read back (anchore-storage.md §11.4): at the destination after the
 * move, and at the source already today. They move byte-exact either way; the operator decides what to do.
 */
export function unreadableWarnings(
  atSource: AnchoreUnreadableKeys,
  atDestination: AnchoreUnreadableKeys,
): string[] {
  const warnings: string[] = [];
  const to = atDestination.driver;
  const from = atSource.driver;
  const sameAtSource = atSource.count > 0 && sameDocuments(atSource, atDestination);
  if (atDestination.count > 0) {
    warnings.push(
      `${atDestination.count} document(s) have a key that Anchore's ${to} driver cannot read back ` +
        `(Anchore parses its content URLs, and a "?", "#", tab or line break in a key breaks that): ` +
        `migrate moves them byte-exact, but Anchore cannot read them back from the destination` +
        (sameAtSource ? ` (nor from ${from} today)` : '') +
        `. Rename or re-create these documents in Anchore` +
        (driverLimitsKeys(to) ? `, or keep them on localfs, whose md5 file names have no such limit.` : '.'),
      ...exampleLines(atDestination),
    );
  }
  if (atSource.count > 0 && !sameAtSource) {
    warnings.push(
      `${atSource.count} document(s) have a key that Anchore's ${from} driver cannot read back: ` +
        `Anchore cannot read them at the source today. migrate moves them byte-exact` +
        (atDestination.count === 0 ? `; at the destination (${to}) Anchore can read them.` : '.'),
      ...exampleLines(atSource),
    );
  }
  return warnings;
}
