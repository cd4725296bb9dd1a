/**
 * verifyPage: confirms every copied document of the page on the destination — `head`: size and, where the
 * backend reports it, md5 from a metadata call; `full` (or a backend without one): read back and hash — then
 * switches the verified archive_metadata rows in one statement (compare-and-swap on the source version the
 * journal recorded: content_url, digest, size, is_compressed) and journals `switched` (stamping verified_at and
 * switched_at) in the same transaction. Mismatches are journaled `failed`, documents Anchore rewrote at the
 * source since their copy `stale` (copied again); their sources stay untouched.
 */
import {
  docKeyString,
  journalRowsOfPage,
  addToTaskCount,
  setPhase,
  switchMetadata,
  lockVersions,
  movedBytes,
  sameVersion,
  sourceVersion,
  type JournalRow,
  toDestination,
} from '../catalog';
import type { PoolClient } from 'pg';
import type { ObjectStat, ObjectStoreDriver } from '../drivers/types';
import type { MigrationInput, MovedBytes, PageBounds } from '../shared/migration';
import { activityControls, assertSameCatalog } from './context';
import type { ActivityDeps } from './deps';
import { destinationStats } from './destination-stats';
import { holdPageFence, type PageFence } from './page-fence';
import { assertSharedStores } from './shared-stores';
import { StoreRefusals } from './store-refusals';
import { settleChangedRows } from './settle-changed';

/**
 * Outcome of verifying and switching one page. `stale`: documents Anchore rewrote at the source since they were
 * copied (absent in results recorded before it existed).
 */
export interface VerifyCounts {
  readonly switched: number;
  readonly failed: number;
  readonly stale?: number;
  /** Of the switched documents (absent in results recorded before it was kept). */
  readonly bytes?: MovedBytes;
  /** Overloaded answers the stores gave meanwhile (PageCounts.busy). */
  readonly busy?: number;
  /** Verified copies of a staged migration, waiting for the cutover (absent: not staged). */
  readonly staged?: number;
}

/** What verifying found of a page's copies: good ones, and bad ones with their journal error. */
interface Checked {
  readonly good: JournalRow[];
  readonly bad: Array<{ row: JournalRow; code: string; why: string }>;
}

/**
 * Stages a staged migration's verified copies: no row is switched while Anchore runs on the source config. Rows
 * that no longer hold the copied version are settled (settle-changed.ts).
 */
async function stageVerified(
  client: PoolClient,
  taskId: number,
  dest: ObjectStoreDriver,
  { good, bad }: Checked,
  fence: PageFence,
  signal?: AbortSignal,
): Promise<VerifyCounts> {
  for (const { row, code, why } of bad)
    await setPhase(client, taskId, [row], 'failed', { code, message: why });
  const now = await lockVersions(client, good);
  const staged = good.filter((r) => sameVersion(now.get(docKeyString(r)), sourceVersion(r)));
  await setPhase(client, taskId, staged, 'staged');
  const changed = good.filter((r) => !staged.includes(r));
  const settled = await settleChangedRows(client, taskId, dest, changed, fence, signal, now);
  return {
    switched: 0,
    staged: staged.length,
    failed: bad.length + settled.failed,
    stale: settled.stale,
    bytes: movedBytes(staged),
  };
}

function mismatch(row: JournalRow, stat: ObjectStat | undefined): string | undefined {
  if (!stat) return `no object at ${row.dest_url} after copy`;
  if (stat.size !== row.dest_size) return `destination holds ${stat.size} bytes, expected ${row.dest_size}`;
  if (stat.md5 !== undefined && stat.md5 !== row.dest_digest) {
    return `destination md5 ${stat.md5}, expected ${row.dest_digest}`;
  }
  return undefined;
}

export function createVerifyPage(deps: ActivityDeps) {
  return async function verifyPage(input: MigrationInput, page: PageBounds): Promise<VerifyCounts> {
    assertSameCatalog(deps, input);
    await assertSharedStores(deps, input);
    const fence = await holdPageFence(deps, input, page.index);
    try {
      return await verifyFenced(input, page, fence);
    } finally {
      await fence.release();
    }
  };

  async function verifyFenced(
    input: MigrationInput,
    page: PageBounds,
    fence: PageFence,
  ): Promise<VerifyCounts> {
    const { signal, heartbeat } = activityControls();
    const dest = deps.drivers.driverFor(input.to);
    const rows = await journalRowsOfPage(deps.pool, input.taskId, page.index, 'copied');
    heartbeat({ page: page.index, stage: 'verify', documents: rows.length });
    const { stats, refused } = await destinationStats(
      dest,
      new Map(rows.map((r) => [r.dest_url as string, { md5: r.dest_digest, checksum: r.dest_checksum }])),
      input.verify === 'full',
      signal,
    );
    // A store refusing every copy may have stopped serving us (a policy revoked): its self-check decides.
    if (refused.size > 0 && refused.size >= rows.length)
      await new StoreRefusals(dest, signal).confirmOneDocument();
    const good: JournalRow[] = [];
    const bad: Array<{ row: JournalRow; code: string; why: string }> = [];
    for (const row of rows) {
      const url = row.dest_url as string;
      const denied = refused.get(url);
      const why = denied === undefined ? mismatch(row, stats.get(url)) : undefined;
      if (denied !== undefined)
        bad.push({ row, code: 'dest_rejected', why: `the copy cannot be read back: ${denied}` });
      else if (why) bad.push({ row, code: 'verify_mismatch', why });
      else good.push(row);
    }

    if (input.stage)
      return fence.commit((c) => stageVerified(c, input.taskId, dest, { good, bad }, fence, signal));
    return fence.commit(async (client) => {
      for (const { row, code, why } of bad) {
        await setPhase(client, input.taskId, [row], 'failed', { code, message: why });
      }
      const switched = await switchMetadata(client, good.map(toDestination));
      const done = new Set(switched.map(docKeyString));
      const switchedRows = good.filter((r) => done.has(docKeyString(r)));
      const moved = await setPhase(client, input.taskId, switchedRows, 'switched');
      if (input.nodelete) await addToTaskCount(client, input.taskId, moved);
      // Rows that no longer hold the copied version: rewritten (copied again), deleted by Anchore (the copy goes,
      // so none is left behind unknown), or moved elsewhere (failed).
      const settled = await settleChangedRows(
        client,
        input.taskId,
        dest,
        good.filter((r) => !done.has(docKeyString(r))),
        fence,
        signal,
      );
      return {
        switched: switchedRows.length,
        failed: bad.length + settled.failed,
        stale: settled.stale,
        bytes: movedBytes(switchedRows),
      };
    });
  }
}
