/** planPages: the next page boundaries after the cursor, from keys and sizes only (cheap, no bodies). */
import { planPages as planPagesQuery, type PlannedPages } from '../catalog';
import type { DocKey, MigrationInput } from '../shared/migration';
import { assertSameCatalog } from './context';
import type { ActivityDeps } from './deps';

export function makePlanPages(deps: ActivityDeps) {
  return async function planPages(
    input: MigrationInput,
    cursor: DocKey | undefined,
    firstIndex: number,
    pages: number,
  ): Promise<PlannedPages> {
    assertSameCatalog(deps, input);
    return planPagesQuery(deps.pool, input.selection, cursor, {
      pages,
      pageSize: input.pageSize,
      pageBytes: input.pageBytes,
      firstIndex,
    });
  };
}
