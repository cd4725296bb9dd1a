/**
 * failPage: a page that kept failing as a whole (after its set-aside retries) is given up: every document of
 * it that is not done is journaled `failed` with the last error, copies that were never switched are removed
 * from the destination unless a metadata row points at them, and sources stay where they are.
 */
import { docKeyString, journaledKeys, journalRowsOfPage, pageRows, recordCopies, setPhase } from '../catalog';
import type { MigrationInput, PageBounds } from '../shared/migration';
import { activityControls, assertSameCatalog } from './context';
import type { ActivityDeps } from './deps';
import { failedEntry } from './journal-base';
import { holdPageFence } from './page-fence';
import { COPY_IN_USE, deleteUnpointedCopies } from './unpointed-copies';

export function createFailPage(deps: ActivityDeps) {
  return async function failPage(input: MigrationInput, page: PageBounds, reason: string): Promise<number> {
    assertSameCatalog(deps, input);
    const { signal } = activityControls();
    const message = `page ${page.index} gave up: ${reason}`.slice(0, 2000);
    // Held like any page attempt: a copy or verify of the page still running elsewhere finishes (or loses its
    // lease) before anything is given up, so no copy is removed while another attempt switches to it.
    const fence = await holdPageFence(deps, input, page.index);
    try {
      return await fence.commit(async (client) => {
        const rows = await pageRows(deps.pool, input.selection, page);
        const known = await journaledKeys(client, input.taskId, rows);
        const untouched = rows.filter((r) => !known.has(docKeyString(r)));
        await recordCopies(
          client,
          input.taskId,
          page.index,
          untouched.map((r) => failedEntry(r, 'page_failed', message)),
        );
        const copied = [
          ...(await journalRowsOfPage(client, input.taskId, page.index, 'copied')),
          ...(await journalRowsOfPage(client, input.taskId, page.index, 'stale')),
        ];
        fence.assertHeld();
        const removal = await deleteUnpointedCopies(client, deps.drivers.driverFor(input.to), copied, signal);
        await setPhase(client, input.taskId, removal.deleted, 'failed', { code: 'page_failed', message });
        await setPhase(client, input.taskId, removal.inUse, 'failed', {
          code: 'page_failed',
          message: `${message}; ${COPY_IN_USE.message}`.slice(0, 2000),
        });
        // Switched documents are migrated; only their source delete failed. Say so, they are not lost.
        const switched = await journalRowsOfPage(client, input.taskId, page.index, 'switched');
        await setPhase(client, input.taskId, switched, 'failed', {
          code: 'source_not_deleted',
          message: `metadata points at the verified copy, but the source could not be deleted: ${message}`,
        });
        return untouched.length + copied.length + switched.length;
      });
    } finally {
      await fence.release();
    }
  };
}
