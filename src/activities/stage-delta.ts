/**
 * stageDelta: one delta pass of a staged migration (docs/adr/0006). Finds the selected rows that are new or
 * changed since their copy was staged, puts them on new delta pages (journaled `stale`) for the workflow to run
 * like any page, and, when asked, removes the staged copies of documents Anchore deleted meanwhile. Documents
 * never travel: the result holds page boundaries and counts only.
 */
import {
  catalogEpochSeconds,
  changedRows,
  DELTA_OVERLAP_SECONDS,
  ensureJournal,
  goneDocuments,
  inTransaction,
  markForCopy,
  phaseTotals,
  UNKNOWN_SIZE_BYTES,
  type DeltaRow,
} from '../catalog';
import type { MigrationInput, PageBounds } from '../shared/migration';
import { activityControls, assertSameCatalog } from './context';
import type { ActivityDeps } from './deps';
import { commitPerPage } from './page-fence';
import { dropDeletedDocuments } from './settle-changed';

/** What the workflow asks of a pass. */
export interface DeltaPassRequest {
  /** Catalog time (epoch seconds) the previous pass began; absent: every selected row. */
  readonly since?: number;
  /** Index of the first delta page. */
  readonly firstIndex: number;
  /** Delta pages at most (more are left for the next call, which finds them still changed). */
  readonly pages: number;
  /** Also find staged documents Anchore deleted, and remove their copies. */
  readonly sweep: boolean;
}

/** What a pass found. */
export interface DeltaPass {
  readonly pages: PageBounds[];
  /** The page limit was reached: call again with the same `since`. */
  readonly more: boolean;
  /** Catalog time (epoch seconds) this pass began: the next pass's `since`. */
  readonly startedAt: number;
  /** Staged copies removed because Anchore deleted their documents. */
  readonly dropped: number;
  /** Documents and source bytes staged now (verified copies waiting for the cutover). */
  readonly staged: { readonly documents: number; readonly bytes: number };
}

/** Journal rows of deleted documents per sweep statement. */
const SWEEP_BATCH = 500;

/** Cuts key-ordered rows into delta pages of at most `pageSize` documents and `pageBytes` (as planning does). */
export function cutDeltaPages(
  rows: readonly DeltaRow[],
  pageSize: number,
  pageBytes: number,
  firstIndex: number,
): Array<{ bounds: PageBounds; rows: DeltaRow[] }> {
  const pages: Array<{ bounds: PageBounds; rows: DeltaRow[] }> = [];
  let current: DeltaRow[] = [];
  let weight = 0;
  const close = (): void => {
    const last = current[current.length - 1];
    if (!last) return;
    const { bucket, archiveId, userId, documentName } = last;
    pages.push({
      bounds: {
        index: firstIndex + pages.length,
        last: { bucket, archiveId, userId, documentName },
        documents: current.length,
        bytes: current.reduce((n, r) => n + (r.size ?? 0), 0),
        delta: true,
      },
      rows: current,
    });
    current = [];
    weight = 0;
  };
  for (const row of rows) {
    const size = row.size ?? UNKNOWN_SIZE_BYTES;
    if (current.length > 0 && (current.length >= pageSize || weight + size > pageBytes)) close();
    current.push(row);
    weight += size;
  }
  close();
  return pages;
}

export function createStageDelta(deps: ActivityDeps) {
  return async function stageDelta(input: MigrationInput, req: DeltaPassRequest): Promise<DeltaPass> {
    assertSameCatalog(deps, input);
    const { signal, heartbeat } = activityControls();
    await ensureJournal(deps.pool);
    const startedAt = await catalogEpochSeconds(deps.pool);
    const dest = deps.drivers.driverFor(input.to);
    let dropped = 0;
    for (let more = req.sweep; more;) {
      const gone = await goneDocuments(deps.pool, input.taskId, SWEEP_BATCH);
      const removed = await commitPerPage(deps, input, gone, async (client, rows, fence) => {
        fence.assertHeld();
        return dropDeletedDocuments(client, input.taskId, dest, rows, signal);
      });
      dropped += removed.reduce((a, b) => a + b, 0);
      heartbeat({ stage: 'delta', dropped });
      more = gone.length === SWEEP_BATCH;
    }
    const limit = req.pages * input.pageSize;
    const since = req.since === undefined ? undefined : req.since - DELTA_OVERLAP_SECONDS;
    const rows = limit > 0 ? await changedRows(deps.pool, input.taskId, input.selection, since, limit) : [];
    const pages = cutDeltaPages(rows, input.pageSize, input.pageBytes, req.firstIndex);
    await inTransaction(deps.pool, async (client) => {
      for (const p of pages) await markForCopy(client, input.taskId, p.bounds.index, p.rows);
    });
    return {
      pages: pages.map((p) => p.bounds),
      more: limit > 0 && rows.length >= limit,
      startedAt,
      dropped,
      staged: await phaseTotals(deps.pool, input.taskId, 'staged'),
    };
  };
}
