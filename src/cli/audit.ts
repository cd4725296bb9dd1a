/**
 * `objectstorage audit CONFIG`: checks the store a config describes against archive_metadata, like
 * `rclone check`: every row at the location has its object with the recorded size and digest, no object lacks a
 * row, no row of the audited buckets points elsewhere. Exit 0 only when clean, 6 when problems were found.
 * Never writes: the catalog session is read-only and only read calls reach the store.
 */
import type { Command } from 'commander';
import { setMaxListeners } from 'node:events';
import type { Pool } from 'pg';
import { openReport, reportFormat, type ReportWriter } from '../audit/report';
import { showProgress, startingProgress } from '../audit/progress';
import { runAudit } from '../audit/run';
import { isProblemCode, type AuditProblem, type AuditProgress, type AuditSummary } from '../audit/types';
import { checkCatalog, createCatalogPool, resolveCatalogUrl } from '../catalog';
import { createDriver } from '../drivers/registry';
import { AuditFoundProblemsError, ExitCode } from '../errors';
import { registerDbPassword } from './db-secrets';
import type { GlobalOptions } from './globals';
import { buildSelection, loadSide } from './migration-setup';
import { createOutput, reportError, type Output } from './output';
import { collect, positiveInt } from './parse';

interface AuditOptions {
  analysisArchive?: boolean;
  bucket: string[];
  full?: boolean;
  report?: string;
  concurrency: number;
}

/** Problems shown on screen; the report file has all of them. */
const SHOWN = 20;

export function registerAudit(program: Command, globals: () => GlobalOptions): void {
  program
    .command('audit')
    .description(
      'check a store against archive_metadata: missing, corrupt and orphaned objects; writes nothing',
    )
    .argument('<config>', 'Anchore config.yaml of the store to audit')
    .option('--analysis-archive', 'audit the analysis_archive section (only the analysis_archive bucket)')
    .option('--bucket <name>', 'only this logical bucket (repeatable)', collect, [])
    .option(
      '--full',
      'read every body: md5, size and zlib (default: metadata calls where the backend has them)',
    )
    .option('--report <file>', 'write every problem to FILE.csv or FILE.json')
    .option('--concurrency <n>', 'pages checked at once', positiveInt('--concurrency'), 4)
    .addHelpText(
      'after',
      '\nProblem codes: missing, unreadable, size_mismatch, digest_mismatch, decompress_failed, orphan. The report also\n' +
        'lists rows that point at another store as other_location, and rows whose key Anchore cannot read back\n' +
        'through this driver (a "?", "#", tab or line break in it) as anchore_unreadable_key: information, not\n' +
        'problems.\n' +
        'Exit codes: 0 clean, 1 config or connection error, 6 problems found.',
    )
    .action(async (file: string, o: AuditOptions) => {
      process.exitCode = await runAuditCommand(file, o, globals());
    });
}

/** A catalog pool whose sessions refuse writes (server-side, for every query), sized for the page concurrency. */
async function readOnlyCatalog(g: GlobalOptions, concurrency: number): Promise<Pool> {
  const db = resolveCatalogUrl(g.dbConnect, process.env);
  registerDbPassword(db.url);
  const pool = createCatalogPool(db.url, concurrency + 2, undefined, { readOnly: true });
  try {
    await checkCatalog(pool, db.url);
  } catch (err) {
    await pool.end();
    throw err;
  }
  return pool;
}

async function runAuditCommand(file: string, o: AuditOptions, g: GlobalOptions): Promise<number> {
  const out = createOutput(g.json);
  if (o.report) reportFormat(o.report);
  const pool = await readOnlyCatalog(g, o.concurrency);
  try {
    const analysisArchive = o.analysisArchive === true;
    const side = await loadSide(file, analysisArchive, pool);
    for (const w of side.loaded.warnings) out.warn(w);
    const selection = await buildSelection(file, side, {
      fromAnalysisArchive: analysisArchive,
      toAnalysisArchive: false,
      buckets: o.bucket,
    });
    const driver = createDriver(side.loaded.config.storage_driver, { pool });
    const report: ReportWriter | undefined = o.report ? await openReport(o.report) : undefined;
    const shown: AuditProblem[] = [];
    const progress: AuditProgress = startingProgress();
    const stop = showProgress(progress, { tty: process.stderr.isTTY === true, json: g.json });
    const abort = new AbortController();
    setMaxListeners(0, abort.signal); // every request in flight listens to it
    const onSigint = (): void => abort.abort();
    process.once('SIGINT', onSigint);
    let summary: AuditSummary;
    try {
      summary = await runAudit({
        pool,
        driver,
        selection,
        mode: o.full ? 'full' : 'default',
        concurrency: o.concurrency,
        signal: abort.signal,
        progress,
        async onProblem(p) {
          if (shown.length < SHOWN && isProblemCode(p.code)) shown.push(p);
          await report?.add(p);
        },
      });
    } finally {
      process.removeListener('SIGINT', onSigint);
      stop();
      await driver.close();
    }
    await report?.finish(summary);
    print(out, { file, section: side.loaded.sectionPath, selection, summary, shown, report: o.report });
    if (summary.clean) return ExitCode.ok;
    const err = new AuditFoundProblemsError(
      `${summary.problemsTotal} problem(s) found${o.report ? `; every one is in ${o.report}` : '; use --report FILE.csv to list them all'}`,
    );
    return g.json ? err.exitCode : reportError(err, false);
  } finally {
    await pool.end();
  }
}

function print(
  out: Output,
  r: {
    file: string;
    section: string;
    selection: { buckets: readonly string[]; excludeBuckets: readonly string[] };
    summary: AuditSummary;
    shown: readonly AuditProblem[];
    report?: string;
  },
): void {
  const s = r.summary;
  out.result({
    file: r.file,
    section: r.section,
    selection: r.selection,
    ...s,
    report: r.report,
    firstProblems: r.shown,
  });
  // Real problems lead; where the other rows point is information after them.
  const counts = Object.entries(s.problems).filter(([, n]) => n > 0);
  out.line(
    s.clean
      ? 'Audit: clean'
      : `Audit: ${s.problemsTotal} problem(s) found (${counts.map(([c, n]) => `${c} ${n}`).join(', ')})`,
  );
  for (const p of r.shown) out.line(`  ${p.code.padEnd(17)} ${p.url}  ${p.detail}`);
  if (s.problemsTotal > r.shown.length) out.line(`  … ${s.problemsTotal - r.shown.length} more`);
  out.line(`Audited:   ${r.section} (${s.driver}) ${s.location}`);
  if (r.selection.buckets.length > 0) out.line(`Buckets:   ${r.selection.buckets.join(', ')}`);
  if (r.selection.excludeBuckets.length > 0)
    out.line(`Not audited: ${r.selection.excludeBuckets.join(', ')} (its own analysis_archive store)`);
  out.line(
    `Rows:      ${s.rowsChecked} checked by ${s.method === 'stat' ? 'metadata calls (size, md5 where known)' : 'reading and hashing bodies'}`,
  );
  out.line(
    s.orphansChecked
      ? `Objects:   ${s.objectsListed} listed`
      : `Objects:   not listed (${s.driver} cannot list)`,
  );
  for (const l of s.otherLocations)
    out.line(`Elsewhere: ${l.rows} row(s) at ${l.prefix} (information: not stored here, not a problem)`);
  if (s.anchoreUnreadableKeys > 0)
    out.line(
      `Keys:      ${s.anchoreUnreadableKeys} row(s) whose key Anchore's ${s.driver} driver cannot read back ` +
        `(anchore_unreadable_key${r.report ? '' : '; --report lists them'}; information: rename or re-create ` +
        `them in Anchore, or keep them on localfs)`,
    );
  if (r.report) out.line(`Report:    ${r.report}`);
}
