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
  destVersion,
  lockVersions,
  movedBytes,
  sourceVersion,
  type JournalRow,
  type MetadataSwitch,
} from '../catalog';
import { createHash } from 'node:crypto';
import type { PoolClient } from 'pg';
import { provenMd5, type ObjectStat, type ObjectStoreDriver } from '../drivers/types';
import { mapLimit, md5Hex } from '../drivers/util';
import type { MigrationInput, MovedBytes, PageBounds } from '../shared/migration';
import { activityControls, assertSameCatalog } from './context';
import type { ActivityDeps } from './deps';
import { holdPageFence, type PageFence } from './page-fence';
import { assertSharedStores } from './shared-stores';

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
}

/** Copies read back at once when no metadata call proves their md5. */
const READ_BACK_STREAMS = 8;

/**
 * Size and md5 of every copy (`expected`: its URL and the md5 it should have), from a metadata call where the
 * backend proves the md5 (`head`) and by reading back otherwise: a source is never deleted on the strength of a
 * size alone (an S3 multipart or SSE-KMS ETag is no md5).
 */
export async function destinationStats(
  dest: ObjectStoreDriver,
  expected: ReadonlyMap<string, string | null>,
  full: boolean,
  signal?: AbortSignal,
): Promise<Map<string, ObjectStat>> {
  const urls = [...expected.keys()];
  const listed =
    !full && dest.statMany ? await dest.statMany(urls, { signal }) : new Map<string, ObjectStat>();
  const stats = new Map<string, ObjectStat>();
  for (const [url, st] of listed) {
    const md5 = provenMd5(st, expected.get(url));
    stats.set(url, md5 === undefined ? { size: st.size } : { size: st.size, md5 });
  }
  const unhashed =
    full || !dest.statMany ? urls : urls.filter((u) => stats.has(u) && stats.get(u)?.md5 === undefined);
  if (unhashed.length === 0) return stats;
  const { openRead } = dest;
  if (openRead) {
    // Streamed: the copies left to hash are multipart ones, as large as documents come.
    await mapLimit(
      unhashed,
      READ_BACK_STREAMS,
      async (url) => {
        const body = await openRead(url, { signal });
        if (!body) return void stats.delete(url);
        const hash = createHash('md5');
        let size = 0;
        for await (const chunk of body) {
          hash.update(chunk as Buffer);
          size += (chunk as Buffer).length;
        }
        stats.set(url, { size, md5: hash.digest('hex') });
      },
      signal,
    );
    return stats;
  }
  const bodies = await dest.getMany(unhashed, { signal });
  for (const url of unhashed) {
    const body = bodies.get(url);
    if (body) stats.set(url, { size: body.length, md5: md5Hex(body) });
    else stats.delete(url);
  }
  return stats;
}

function mismatch(row: JournalRow, stat: ObjectStat | undefined): string | undefined {
  if (!stat) return `no object at ${row.dest_url} after copy`;
  if (stat.size !== row.dest_size) return `destination holds ${stat.size} bytes, expected ${row.dest_size}`;
  if (stat.md5 !== undefined && stat.md5 !== row.dest_digest) {
    return `destination md5 ${stat.md5}, expected ${row.dest_digest}`;
  }
  return undefined;
}

/** The metadata switch that points a journaled document at its verified copy. */
export function toDestination(r: JournalRow): MetadataSwitch {
  return {
    bucket: r.bucket,
    archiveId: r.archiveId,
    userId: r.userId,
    documentName: r.documentName,
    from: sourceVersion(r),
    to: destVersion(r),
  };
}

/**
 * Splits the rows whose switch found another version: `rewritten` when the row still points at the source
 * (Anchore rewrote it there: copy it again), `changed` when it was deleted or points elsewhere.
 */
async function whyNotSwitched(
  client: PoolClient,
  rows: JournalRow[],
): Promise<{ rewritten: JournalRow[]; changed: JournalRow[] }> {
  const now = await lockVersions(client, rows);
  const atSource = (r: JournalRow): boolean => now.get(docKeyString(r))?.url === r.source_url;
  return { rewritten: rows.filter(atSource), changed: rows.filter((r) => !atSource(r)) };
}

export function makeVerifyPage(deps: ActivityDeps) {
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
    const stats = await destinationStats(
      dest,
      new Map(rows.map((r) => [r.dest_url as string, r.dest_digest])),
      input.verify === 'full',
      signal,
    );
    const good: JournalRow[] = [];
    const bad: Array<{ row: JournalRow; why: string }> = [];
    for (const row of rows) {
      const why = mismatch(row, stats.get(row.dest_url as string));
      if (why) bad.push({ row, why });
      else good.push(row);
    }

    return fence.commit(async (client) => {
      for (const { row, why } of bad) {
        await setPhase(client, input.taskId, [row], 'failed', { code: 'verify_mismatch', message: why });
      }
      const switched = await switchMetadata(client, good.map(toDestination));
      const done = new Set(switched.map(docKeyString));
      const switchedRows = good.filter((r) => done.has(docKeyString(r)));
      const moved = await setPhase(client, input.taskId, switchedRows, 'switched');
      if (input.nodelete) await addToTaskCount(client, input.taskId, moved);
      const { rewritten, changed } = await whyNotSwitched(
        client,
        good.filter((r) => !done.has(docKeyString(r))),
      );
      await setPhase(client, input.taskId, rewritten, 'stale');
      await setPhase(client, input.taskId, changed, 'failed', {
        code: 'metadata_changed',
        message:
          'archive_metadata no longer points at the source (deleted or moved while migrating); left as it is',
      });
      return {
        switched: switchedRows.length,
        failed: bad.length + changed.length,
        stale: rewritten.length,
        bytes: movedBytes(switchedRows),
      };
    });
  }
}
