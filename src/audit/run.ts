/**
 * `audit`: checks a store like `rclone check` checks a remote. Every selected archive_metadata row is checked
 * against its object (keyset pages, a bounded number in flight), the location is listed for orphans, and rows
 * of the audited buckets that point elsewhere are counted. Only reads: the catalog and the store are unchanged.
 */
import type { Pool } from 'pg';
import { countSelection, pageRows, planPages } from '../catalog/pages';
import type { ObjectStoreDriver } from '../drivers/types';
import { mapLimit } from '../drivers/util';
import {
  anchoreUnreadableReason,
  describeUnreadableReason,
  type UnreadableKeyReason,
} from '../shared/anchore-unreadable-keys';
import type { DocKey, Selection } from '../shared/migration';
import { checkByRead, checkByStat, rowProblem } from './check-rows';
import { findOrphans } from './orphans';
import { countOtherLocations, otherLocationRows } from './other-locations';
import {
  isProblemCode,
  PROBLEM_CODES,
  type AuditMode,
  type AuditProblem,
  type AuditProgress,
  type AuditSummary,
  type ProblemCode,
} from './types';

/** What an audit needs. */
export interface AuditInput {
  readonly pool: Pool;
  readonly driver: ObjectStoreDriver;
  readonly selection: Selection;
  readonly mode: AuditMode;
  /** Pages checked at once. */
  readonly concurrency: number;
  /** Rows per page. @default 500 */
  readonly pageSize?: number;
  /** Stored bytes per page at most: bounds memory when bodies are read (× concurrency). @default 32 MiB */
  readonly pageBytes?: number;
  /** Called for every finding as it is found (report file, first lines on screen), other_location included. */
  readonly onProblem: (p: AuditProblem) => Promise<void>;
  /** Counters updated as the audit goes, for a progress display. */
  readonly progress: AuditProgress;
  readonly signal?: AbortSignal;
}

/** Runs the audit and returns its summary; problems go to `onProblem`. */
export async function runAudit(input: AuditInput): Promise<AuditSummary> {
  const started = Date.now();
  const { pool, driver, selection, progress, signal } = input;
  const counts = Object.fromEntries(PROBLEM_CODES.map((c) => [c, 0])) as Record<ProblemCode, number>;
  let anchoreUnreadableKeys = 0;
  const report = async (p: AuditProblem): Promise<void> => {
    if (p.code === 'anchore_unreadable_key') anchoreUnreadableKeys += 1;
    else if (isProblemCode(p.code)) {
      counts[p.code] += 1;
      progress.problems += 1;
    }
    await input.onProblem(p);
  };
  const useStat = input.mode === 'default' && driver.statMany !== undefined;
  const check = useStat ? checkByStat : checkByRead;

  progress.rowsTotal = (await countSelection(pool, selection)).reduce((n, b) => n + b.documents, 0);
  progress.phase = 'rows';
  const pageSize = input.pageSize ?? 500;
  let cursor: DocKey | undefined;
  for (let index = 0; ;) {
    const plan = await planPages(pool, selection, cursor, {
      pages: input.concurrency,
      pageSize,
      pageBytes: input.pageBytes ?? 32 * 1024 * 1024,
      firstIndex: index,
    });
    await mapLimit(
      plan.pages,
      input.concurrency,
      async (page) => {
        const rows = await pageRows(pool, selection, page);
        for (const p of await check(driver, rows, signal)) await report(p);
        for (const row of rows) {
          const why = anchoreUnreadableReason(driver.name, row);
          if (why)
            await report(rowProblem(row, 'anchore_unreadable_key', unreadableDetail(driver.name, why)));
        }
        progress.rowsChecked += rows.length;
      },
      signal,
    );
    index += plan.pages.length;
    cursor = plan.cursor;
    if (plan.exhausted || !cursor) break;
  }

  progress.phase = 'orphans';
  const objectsListed = await findOrphans(
    pool,
    driver,
    selection,
    report,
    (n) => (progress.objectsListed += n),
    signal,
  );

  progress.phase = 'other locations';
  const otherLocations = await countOtherLocations(pool, selection);
  if (otherLocations.length > 0) {
    for await (const row of otherLocationRows(pool, selection, pageSize)) {
      await report(rowProblem(row, 'other_location', `not at ${selection.sourcePrefix}`));
    }
  }
  progress.phase = 'done';

  const problemsTotal = Object.values(counts).reduce((a, b) => a + b, 0);
  return {
    location: selection.sourcePrefix,
    driver: driver.name,
    mode: input.mode,
    method: useStat ? 'stat' : 'read',
    rowsChecked: progress.rowsChecked,
    objectsListed,
    orphansChecked: driver.listObjects !== undefined,
    otherLocations,
    anchoreUnreadableKeys,
    problems: counts,
    problemsTotal,
    clean: problemsTotal === 0,
    durationMs: Date.now() - started,
  };
}

/** The detail of an `anchore_unreadable_key` finding: which character, and through which driver. */
function unreadableDetail(driver: string, why: UnreadableKeyReason): string {
  return `${describeUnreadableReason(why)}: Anchore's ${driver} driver cannot read this document back by its key`;
}
