/**
 * deletePage: deletes the sources of the page's switched documents in one batch (S3 DeleteObjects, one SQL
 * DELETE) and journals `deleted`. Only documents whose metadata already points at their verified copy are
 * ever deleted; deleting an absent source is not an error, so a retry is safe.
 */
import { addToTaskCount, inTransaction, journalRowsOfPage, setPhase } from '../catalog';
import type { MigrationInput, PageBounds } from '../shared/migration';
import { activityControls, assertSameCatalog } from './context';
import type { ActivityDeps } from './deps';

export function makeDeletePage(deps: ActivityDeps) {
  return async function deletePage(input: MigrationInput, page: PageBounds): Promise<number> {
    assertSameCatalog(deps, input);
    if (input.nodelete) return 0;
    const { signal, heartbeat } = activityControls();
    const source = deps.drivers.driverFor(input.from);
    const rows = await journalRowsOfPage(deps.pool, input.taskId, page.index, 'switched');
    heartbeat({ page: page.index, stage: 'delete', documents: rows.length });
    await source.deleteMany(
      rows.map((r) => r.source_url),
      { signal },
    );
    await inTransaction(deps.pool, async (client) => {
      await addToTaskCount(client, input.taskId, await setPhase(client, input.taskId, rows, 'deleted'));
    });
    return rows.length;
  };
}
