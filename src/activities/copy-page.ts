/**
 * copyPage: works through the page in chunks. Per chunk it reads the source bodies in one batch (one query for
 * db/db2, bounded parallel GETs for object stores), checks each against its metadata (digest, size,
 * documentName), decompresses, re-compresses under the destination's rules, writes the chunk to the destination
 * (copy-round.ts; in a worker's copy threads when it has them) and journals every outcome, then heartbeats the
 * chunk's last key as the in-page cursor. A retry resumes after that cursor, and documents the journal already
 * knows are skipped, so a retried page never copies twice. Chunks also bound the bodies held in memory. Sources
 * are not touched.
 */
import {
  currentVersions,
  deltaPageRows,
  docKeyString,
  journaledKeys,
  pageRows,
  recordCopies,
  type ArchiveMetadataRow,
  type StoredVersion,
  type JournalEntry,
  UNKNOWN_SIZE_BYTES,
} from '../catalog';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ObjectStoreDriver } from '../drivers/types';
import type { MigrationInput, PageBounds, PageCounts } from '../shared/migration';
import { unlimitedBudget } from './byte-budget';
import { activityControls, assertSameCatalog, previousHeartbeat } from './context';
import type { ActivityDeps } from './deps';
import { holdPageFence, type PageFence } from './page-fence';
import { inlineCopier } from './copy-round';
import { isUriParseError } from './read-bodies';
import { copyServerSide, sameCompressionRules } from './server-side-copy';
import { assertSharedStores } from './shared-stores';
import { STREAM_ABOVE_BYTES, STREAMED_COPY_BYTES, streamCopy, streamsRow } from './stream-copy';
import { deleteUnpointedCopies } from './unpointed-copies';

/** Documents and source bytes per chunk: enough to keep parallel I/O busy, small enough to bound memory. */
const CHUNK_DOCS = 100;
const CHUNK_BYTES = 2 * 1024 * 1024;
/**
 * Documents per chunk of server-side copies: no body passes through the worker, so only the count matters —
 * eight rounds of the driver's 32 parallel copies per journal write and heartbeat, where a cut by bytes left
 * rounds half-empty.
 */
const SERVER_SIDE_CHUNK_DOCS = 256;

/**
 * Failures a write of Anchore's in progress can cause (the body read newer or older than its row): such a
 * document is read again, with its row as it is then, after each of these waits (Anchore's put takes
 * milliseconds), before it is failed.
 */
const MID_WRITE_CODES: ReadonlySet<string> = new Set([
  'size_mismatch',
  'digest_mismatch',
  'source_missing',
  'corrupt_source',
]);
const REREAD_AFTER_MS = [100, 400, 1_500];

/** The bytes a row is expected to bring into memory. */
const expectedBytes = (row: { readonly size: number | null }): number => row.size ?? UNKNOWN_SIZE_BYTES;

/** Where a page's copies go, as the page's attempt sees it. */
interface PageWork {
  readonly input: MigrationInput;
  readonly page: number;
  readonly source: ObjectStoreDriver;
  readonly dest: ObjectStoreDriver;
  readonly signal: AbortSignal | undefined;
  readonly fence: PageFence;
}

/** `row` with the version its archive_metadata row holds now (Anchore rewrote it meanwhile). */
const asNow = (row: ArchiveMetadataRow, v: StoredVersion): ArchiveMetadataRow => ({
  ...row,
  content_url: v.url,
  digest: v.digest,
  size: v.size,
  is_compressed: v.isCompressed,
});

/** Heartbeat details of copyPage: the page, and the last key whose copy is journaled. */
export interface CopyHeartbeat {
  readonly page: number;
  readonly stage: 'copy';
  readonly copied: number;
  readonly cursor?: string;
}

/** Splits rows into chunks of at most `maxDocs` documents and (unless a single document) `maxBytes`. */
export function chunksOf<Row extends { readonly size: number | null }>(
  rows: readonly Row[],
  maxDocs = CHUNK_DOCS,
  maxBytes = CHUNK_BYTES,
): Row[][] {
  const chunks: Row[][] = [];
  let current: Row[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = expectedBytes(row);
    if (current.length > 0 && (current.length >= maxDocs || bytes + size > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(row);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** The rows after the cursor a previous attempt of this page heartbeated (all rows if none). */
function afterCursor(rows: ArchiveMetadataRow[], page: number): ArchiveMetadataRow[] {
  const last = previousHeartbeat<CopyHeartbeat>();
  if (last?.page !== page || last.cursor === undefined) return rows;
  const at = rows.findIndex((r) => docKeyString(r) === last.cursor);
  return at < 0 ? rows : rows.slice(at + 1);
}

function add(counts: { documents: number; bytes: number; failed: number }, more: PageCounts): void {
  counts.documents += more.documents;
  counts.bytes += more.bytes;
  counts.failed += more.failed;
}

export function createCopyPage(deps: ActivityDeps) {
  const budget = deps.budget ?? unlimitedBudget;
  const streamAbove = deps.streamAboveBytes ?? STREAM_ABOVE_BYTES;
  const copier = deps.copier ?? inlineCopier(deps.drivers);
  return async function copyPage(input: MigrationInput, page: PageBounds): Promise<PageCounts> {
    assertSameCatalog(deps, input);
    await assertSharedStores(deps, input);
    const fence = await holdPageFence(deps, input, page.index);
    try {
      return await copyFenced(input, page, fence);
    } finally {
      await fence.release();
    }
  };

  async function copyFenced(input: MigrationInput, page: PageBounds, fence: PageFence): Promise<PageCounts> {
    const { signal, heartbeat } = activityControls();
    const source = deps.drivers.driverFor(input.from);
    const dest = deps.drivers.driverFor(input.to);
    const all = page.delta
      ? await deltaPageRows(deps.pool, input.taskId, input.selection, page.index)
      : await pageRows(deps.pool, input.selection, page);
    const rows = afterCursor(all, page.index);
    const known = await journaledKeys(deps.pool, input.taskId, rows);
    const counts = { documents: 0, bytes: 0, failed: 0 };
    const serverSide = sameCompressionRules(input.from.compression, input.to.compression);
    const chunks = serverSide ? chunksOf(rows, SERVER_SIDE_CHUNK_DOCS, Infinity) : chunksOf(rows);
    let cursor: string | undefined;
    let lastBeat = 0;
    // Also called while a large document streams (at most once a second), with the last chunk's cursor.
    const beat = (always: boolean): void => {
      if (!always && Date.now() - lastBeat < 1_000) return;
      lastBeat = Date.now();
      heartbeat({
        page: page.index,
        stage: 'copy',
        copied: counts.documents,
        ...(cursor === undefined ? {} : { cursor }),
      } satisfies CopyHeartbeat);
    };
    for (const chunk of chunks) {
      let todo = chunk.filter((r) => !known.has(docKeyString(r)));
      if (todo.length > 0) fence.assertHeld();
      const copied =
        serverSide && todo.length > 0 ? await copyServerSide(todo, source, dest, signal) : undefined;
      if (copied) {
        // A source that disagrees with its row may be in the middle of Anchore's write: the read path reads it
        // again (with the row as it is then) before it fails the document.
        const midWrite = copied.entries.filter(
          (e) => e.phase === 'failed' && MID_WRITE_CODES.has(e.error_code ?? ''),
        );
        const suspect = new Set(midWrite.map(docKeyString));
        const entries = copied.entries.filter((e) => !suspect.has(docKeyString(e)));
        // Journaled even when the chunk stopped part-way, so every copy that exists is known.
        await fence.commit((c) => recordCopies(c, input.taskId, page.index, entries));
        add(counts, {
          documents: copied.copied,
          bytes: copied.bytes,
          failed: copied.failed - midWrite.length,
        });
        const { interrupted } = copied;
        // An unparseable content URL stops the server-side copies: the rest of the chunk is read instead.
        if (interrupted && !isUriParseError(interrupted)) throw interrupted;
        const settled = new Set(entries.map(docKeyString));
        todo = interrupted
          ? todo.filter((r) => !settled.has(docKeyString(r)))
          : [...copied.readInstead, ...todo.filter((r) => suspect.has(docKeyString(r)))];
      }
      const at = { input, page: page.index, source, dest, signal, fence };
      const streamed = todo.filter((r) => streamsRow(r, input.to, source, dest, streamAbove));
      for (const row of streamed) add(counts, await copyByStreaming(row, at, () => beat(false)));
      // What is read goes in chunks that bound the bodies in memory, whatever cut the server-side chunk.
      for (const part of chunksOf(todo.filter((r) => !streamed.includes(r)))) {
        add(counts, await copyByReading(part, at));
      }
      cursor = docKeyString(chunk[chunk.length - 1] as ArchiveMetadataRow);
      beat(true);
    }
    return counts;
  }

  /**
   * Streams one large document (see stream-copy.ts) within a constant part of the worker's budget. A source
   * that disagrees with its row is read again after the same waits as a chunk's (Anchore may be writing it).
   */
  async function copyByStreaming(
    first: ArchiveMetadataRow,
    at: PageWork,
    beat: () => void,
  ): Promise<PageCounts> {
    const { input, page, dest, signal, fence } = at;
    const release = await budget.acquire(STREAMED_COPY_BYTES, signal);
    try {
      let row: ArchiveMetadataRow | undefined = first;
      for (let round = 0; row; round++) {
        fence.assertHeld();
        const { entry, removeCopy } = await streamCopy(row, { ...at, to: input.to, onBytes: beat });
        const current: ArchiveMetadataRow = row;
        if (removeCopy)
          await fence.commit((c) =>
            deleteUnpointedCopies(c, dest, [{ ...current, dest_url: removeCopy }], signal),
          );
        const waitMs = REREAD_AFTER_MS[round];
        if (entry.phase === 'failed' && waitMs !== undefined && MID_WRITE_CODES.has(entry.error_code ?? '')) {
          await sleep(waitMs, undefined, { signal });
          const v = (await currentVersions(deps.pool, [current])).get(docKeyString(current));
          row = v && asNow(current, v);
          continue;
        }
        await fence.commit((c) => recordCopies(c, input.taskId, page, [entry]));
        return entry.phase === 'copied'
          ? { documents: 1, bytes: entry.dest_size ?? 0, failed: 0 }
          : { documents: 0, bytes: 0, failed: 1 };
      }
      return { documents: 0, bytes: 0, failed: 0 }; // Anchore deleted it meanwhile: nothing left to copy
    } finally {
      release();
    }
  }

  /**
   * Copies a chunk within the worker's budget and journals it. Documents whose body disagreed with their row are
   * read again (with the row as it is by then) until they agree or the waits run out; a document whose row is
   * gone meanwhile was deleted by Anchore: there is nothing left to copy.
   */
  async function copyByReading(rows: readonly ArchiveMetadataRow[], at: PageWork): Promise<PageCounts> {
    const { input, page, signal, fence } = at;
    const release = await budget.acquire(
      rows.reduce((n, r) => n + expectedBytes(r), 0),
      signal,
    );
    try {
      const written: JournalEntry[] = [];
      const failed: JournalEntry[] = [];
      let todo = rows;
      try {
        for (let round = 0; todo.length > 0; round++) {
          fence.assertHeld();
          const done = await copier.copy(todo, input.from, input.to, signal);
          written.push(...done.written);
          if (done.interrupted) throw done.interrupted;
          const waitMs = REREAD_AFTER_MS[round];
          const suspect =
            waitMs === undefined ? [] : done.failed.filter((f) => MID_WRITE_CODES.has(f.error_code ?? ''));
          failed.push(...done.failed.filter((f) => !suspect.includes(f)));
          if (suspect.length === 0) break;
          await sleep(waitMs, undefined, { signal });
          const now = await currentVersions(deps.pool, suspect);
          const read = new Map(todo.map((r) => [docKeyString(r), r]));
          todo = suspect.flatMap((f) => {
            const r = read.get(docKeyString(f));
            const v = now.get(docKeyString(f));
            return r && v ? [asNow(r, v)] : [];
          });
        }
      } catch (err) {
        // The copies made before the error are journaled before it goes up: a document Anchore deletes before
        // the retry then has its copy removed like any unswitched one, not left at the destination unknown.
        if (written.length > 0) await fence.commit((c) => recordCopies(c, input.taskId, page, written));
        throw err;
      }
      await fence.commit((c) => recordCopies(c, input.taskId, page, [...written, ...failed]));
      return {
        documents: written.length,
        bytes: written.reduce((n, c) => n + (c.dest_size ?? 0), 0),
        failed: failed.length,
      };
    } finally {
      release();
    }
  }
}
