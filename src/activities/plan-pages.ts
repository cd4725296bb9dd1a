/**
 * planPages: the next page boundaries after the cursor, from keys and sizes only (cheap, no bodies). A watched
 * migration also learns here which Anchore services heartbeat, so it pauses itself when Anchore comes back.
 */
import { liveServices, planPages as planPagesQuery, type PlannedPages } from '../catalog';
import type { DocKey, MigrationInput } from '../shared/migration';
import { assertSameCatalog } from './context';
import type { ActivityDeps } from './deps';

/** Planned pages, and the Anchore services (`name@host`) that heartbeat now, when the migration watches them. */
export interface PlanStep extends PlannedPages {
  readonly anchoreLive?: readonly string[];
}

export function createPlanPages(deps: ActivityDeps) {
  return async function planPages(
    input: MigrationInput,
    cursor: DocKey | undefined,
    firstIndex: number,
    pages: number,
  ): Promise<PlanStep> {
    assertSameCatalog(deps, input);
    const planned = await planPagesQuery(deps.pool, input.selection, cursor, {
      pages,
      pageSize: input.pageSize,
      pageBytes: input.pageBytes,
      firstIndex,
    });
    if (input.watchAnchore !== true) return planned;
    const live = (await liveServices(deps.pool)).map((s) => `${s.servicename}@${s.hostid}`);
    return live.length > 0 ? { ...planned, anchoreLive: live } : planned;
  };
}
