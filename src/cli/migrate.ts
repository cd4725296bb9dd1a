/**
 * `objectstorage migrate FROM TO`: anchore-manager's migrate as a durable Temporal workflow. Registers the
 * Anchore task row, starts the workflow (id from the task id), follows it, and prints the summary and the
 * config block to adopt (secrets as references, never values).
 */
import type { Command } from 'commander';
import { catalogFingerprint, countSelection } from '../catalog';
import { checkAnchoreOffline, checkNoAnchoreMigration } from '../activities/guards';
import { ExitCode, UsageError } from '../errors';
import { LIMITS, throttleProblem, type VerifyMode } from '../shared/migration';
import { withCatalog } from './catalog-connection';
import type { GlobalOptions } from './globals';
import { buildInput, loadMigrationSides, type MigrationTuning } from './migration-setup';
import { confirmStopped } from './confirm';
import { createOutput } from './output';
import { collect, nonNegativeNumber, positiveInt } from './parse';
import { describeSourceDeletes, printSourceDeletes } from './source-deletes';
import { startMigration } from './start-migration';

interface MigrateOptions {
  nodelete?: boolean;
  reclaimVersions?: boolean;
  dontask?: boolean;
  bucket: string[];
  fromAnalysisArchive?: boolean;
  toAnalysisArchive?: boolean;
  concurrency: number;
  pageSize: number;
  pageMib: number;
  pagesPerRun: number;
  maxDocsPerSecond: number;
  maxBytesPerSecond: number;
  verify: VerifyMode;
  force?: boolean;
  detach?: boolean;
}

export function registerMigrate(program: Command, globals: () => GlobalOptions): void {
  program
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
    .option('--bucket <name>', 'only this logical bucket (repeatable)', collect, [])
    .option('--from-analysis-archive', 'the source is the analysis_archive section of FROM')
    .option('--to-analysis-archive', 'the destination is the analysis_archive section of TO')
    .option('--concurrency <n>', 'pages in flight at once', positiveInt('--concurrency'), 8)
    .option('--page-size <n>', 'documents per page at most', positiveInt('--page-size'), 500)
    .option(
      '--page-mib <n>',
      'stored MiB per page at most (bounds worker memory)',
      positiveInt('--page-mib'),
      64,
    )
    .option(
      '--pages-per-run <n>',
      'pages per workflow run before continue-as-new',
      positiveInt('--pages-per-run'),
      200,
    )
    .option(
      '--max-docs-per-second <r>',
      'rate limit, 0 = none',
      nonNegativeNumber('--max-docs-per-second'),
      0,
    )
    .option(
      '--max-bytes-per-second <b>',
      'rate limit, 0 = none',
      nonNegativeNumber('--max-bytes-per-second'),
      0,
    )
    .option(
      '--verify <mode>',
      'head: size/md5 from metadata calls; full: read every copy back',
      verifyMode,
      'head',
    )
    .option('--force', 'migrate even though Anchore services still heartbeat')
    .option('--detach', 'start the migration and return at once')
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

function verifyMode(value: string): VerifyMode {
  if (value !== 'head' && value !== 'full')
    throw new UsageError(`--verify must be head or full, got "${value}" (run with --help for usage)`);
  return value;
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
    if (o.reclaimVersions && o.nodelete)
      throw new UsageError(
        '--reclaim-versions deletes source versions; --nodelete keeps every source: choose one',
      );
    const tuning: MigrationTuning = {
      nodelete: o.nodelete === true,
      reclaimVersions: o.reclaimVersions === true,
      verify: o.verify,
      concurrency: o.concurrency,
      pageSize: o.pageSize,
      pageBytes: o.pageMib * 1024 * 1024,
      pagesPerRun: o.pagesPerRun,
      maxDocsPerSecond: o.maxDocsPerSecond,
      maxBytesPerSecond: o.maxBytesPerSecond,
      watchAnchore: o.force !== true,
    };
    // One rule for migrate and throttle: a value the workflow would refuse later is refused now, not capped.
    if (throttleProblem({ concurrency: o.concurrency }))
      throw new UsageError(`--concurrency must be from 1 to ${LIMITS.maxConcurrency}, got ${o.concurrency}`);
    if (o.pageSize > LIMITS.maxPageSize)
      throw new UsageError(`--page-size must be at most ${LIMITS.maxPageSize}, got ${o.pageSize}`);
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
