/** The options `migrate` and `stage` share: what moves, how fast, how it is verified, and whether to follow. */
import type { Command } from 'commander';
import { UsageError } from '../errors';
import { LIMITS, throttleProblem, type VerifyMode } from '../shared/migration';
import type { MigrationTuning } from './migration-setup';
import { collect, nonNegativeNumber, positiveInt } from './parse';

/** The shared options as commander parses them. */
export interface CopyOptions {
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
  detach?: boolean;
}

/** Adds the shared options to `command`. */
export function addCopyOptions(command: Command): Command {
  return command
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
    .option('--detach', 'start the migration and return at once');
}

function verifyMode(value: string): VerifyMode {
  if (value !== 'head' && value !== 'full')
    throw new UsageError(`--verify must be head or full, got "${value}" (run with --help for usage)`);
  return value;
}

/** The tuning of the shared options; a value the workflow would refuse later is refused now, not capped. */
export function tuningOf(
  o: CopyOptions,
  more: Pick<MigrationTuning, 'nodelete' | 'reclaimVersions' | 'watchAnchore'>,
): MigrationTuning {
  if (throttleProblem({ concurrency: o.concurrency }))
    throw new UsageError(`--concurrency must be from 1 to ${LIMITS.maxConcurrency}, got ${o.concurrency}`);
  if (o.pageSize > LIMITS.maxPageSize)
    throw new UsageError(`--page-size must be at most ${LIMITS.maxPageSize}, got ${o.pageSize}`);
  return {
    ...more,
    verify: o.verify,
    concurrency: o.concurrency,
    pageSize: o.pageSize,
    pageBytes: o.pageMib * 1024 * 1024,
    pagesPerRun: o.pagesPerRun,
    maxDocsPerSecond: o.maxDocsPerSecond,
    maxBytesPerSecond: o.maxBytesPerSecond,
  };
}
