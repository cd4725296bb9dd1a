/**
 * copyPage: reads the page's source bodies in one batch (one query for db/db2, bounded parallel GETs for
 * object stores), checks each against its metadata (digest, size, documentName), decompresses, re-compresses
 * under the destination's rules, writes the batch to the destination and journals every outcome. Documents
 * the journal already knows are skipped, so a retried page never copies twice. Sources are not touched.
 */
import {
  docKeyString,
  journaledKeys,
  pageRows,
  recordCopies,
  type ArchiveMetadataRow,
  type JournalEntry,
} from '../catalog';
import { decodeStored, encodeStored } from '../drivers/stored-bytes';
import type { PutItem } from '../drivers/types';
import type { MigrationInput, PageBounds, PageCounts } from '../shared/migration';
import { activityControls, assertSameCatalog } from './context';
import type { ActivityDeps } from './deps';
import { documentErrorCode } from './failures';

export function makeCopyPage(deps: ActivityDeps) {
  return async function copyPage(input: MigrationInput, page: PageBounds): Promise<PageCounts> {
    assertSameCatalog(deps, input);
    const { signal, heartbeat } = activityControls();
    const source = deps.drivers.driverFor(input.from);
    const dest = deps.drivers.driverFor(input.to);
    const rows = await pageRows(deps.pool, input.selection, page);
    const known = await journaledKeys(deps.pool, input.taskId, rows);
    const todo = rows.filter((r) => !known.has(docKeyString(r)));
    heartbeat({ page: page.index, stage: 'read', documents: todo.length });
    const bodies = await source.getMany(
      todo.map((r) => r.content_url as string),
      { signal },
    );

    const failed: JournalEntry[] = [];
    const copies: Array<{ row: ArchiveMetadataRow; item: PutItem; entry: Omit<JournalEntry, 'destUrl'> }> =
      [];
    for (const row of todo) {
      const base = {
        bucket: row.bucket,
        archiveId: row.archiveId,
        userId: row.userId,
        documentName: row.documentName,
        sourceUrl: row.content_url as string,
        sourceDigest: row.digest,
        sourceSize: row.size,
        sourceCompressed: row.is_compressed,
      };
      const fail = (errorCode: string, errorMessage: string): void => {
        failed.push({ ...base, phase: 'failed', errorCode, errorMessage });
      };
      if (row.documentName !== `${row.archiveId}.json`) {
        fail('bad_document_name', `documentName ${row.documentName} is not archiveId + ".json"`);
        continue;
      }
      const stored = bodies.get(base.sourceUrl);
      if (!stored) {
        fail('source_missing', `no object at ${base.sourceUrl}`);
        continue;
      }
      if (row.size !== null && stored.length !== row.size) {
        fail('size_mismatch', `stored ${stored.length} bytes, archive_metadata says ${row.size}`);
        continue;
      }
      let logical: Buffer;
      try {
        logical = decodeStored(stored, row, base.sourceUrl);
      } catch (err) {
        const code = documentErrorCode(err);
        if (!code) throw err;
        fail(code, (err as Error).message);
        continue;
      }
      const out = encodeStored(logical, input.to.compression, dest.supportsCompression);
      copies.push({
        row,
        item: { ref: { userId: row.userId, bucket: row.bucket, key: row.archiveId }, data: out.data },
        entry: {
          ...base,
          phase: 'copied',
          destDigest: out.digest,
          destSize: out.size,
          destCompressed: out.isCompressed,
        },
      });
    }
    bodies.clear();
    heartbeat({ page: page.index, stage: 'write', documents: copies.length });
    const urls = await dest.putMany(
      copies.map((c) => c.item),
      { signal },
    );
    const entries = [...copies.map((c, i) => ({ ...c.entry, destUrl: urls[i] as string })), ...failed];
    await recordCopies(deps.pool, input.taskId, page.index, entries);
    return {
      documents: copies.length,
      bytes: copies.reduce((n, c) => n + (c.entry.destSize ?? 0), 0),
      failed: failed.length,
    };
  };
}
