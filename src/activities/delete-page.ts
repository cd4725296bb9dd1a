/**
 * deletePage: deletes the sources of the page's switched documents under the page's fence and journals the
 * outcomes (source-deletes.ts says how each is decided).
 */
import { journalRowsOfPage } from '../catalog';
import type { MigrationInput, PageBounds } from '../shared/migration';
import { activityControls, assertSameCatalog } from './context';
import type { ActivityDeps } from './deps';
import { holdPageFence, type PageFence } from './page-fence';
import { assertSharedStores } from './shared-stores';
import { deleteSourcesOf, type DeleteCounts } from './source-deletes';

export function createDeletePage(deps: ActivityDeps) {
  return async function deletePage(input: MigrationInput, page: PageBounds): Promise<DeleteCounts> {
    assertSameCatalog(deps, input);
    if (input.nodelete) return { deleted: 0, stale: 0 };
    await assertSharedStores(deps, input);
    const fence = await holdPageFence(deps, input, page.index);
    try {
      return await deleteFenced(input, page, fence);
    } finally {
      await fence.release();
    }
  };

  async function deleteFenced(
    input: MigrationInput,
    page: PageBounds,
    fence: PageFence,
  ): Promise<DeleteCounts> {
    const { signal, heartbeat } = activityControls();
    const source = deps.drivers.driverFor(input.from);
    const rows = await journalRowsOfPage(deps.pool, input.taskId, page.index, 'switched');
    heartbeat({ page: page.index, stage: 'delete', documents: rows.length });
    return fence.commit((client) => deleteSourcesOf(client, input, source, rows, fence, signal));
  }
}
