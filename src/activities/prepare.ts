/**
 * prepare: creates the journal, self-checks both drivers (write/read/delete a probe), re-checks the location
 * guard against the drivers as the worker resolved them, and counts what the selection holds. No documents.
 */
import { ensureJournal, selectionWhere } from '../catalog';
import type { BucketCount, MigrationInput, PrepareResult } from '../shared/migration';
import { activityControls, assertSameCatalog } from './context';
import type { ActivityDeps } from './deps';
import { checkLocations } from './guards';

export function makePrepare(deps: ActivityDeps) {
  return async function prepare(input: MigrationInput): Promise<PrepareResult> {
    assertSameCatalog(deps, input);
    const { signal } = activityControls();
    await ensureJournal(deps.pool);
    const source = deps.drivers.driverFor(input.from);
    const dest = deps.drivers.driverFor(input.to);
    checkLocations(input.selection.sourcePrefix, dest.location);
    await source.selfCheck({ signal });
    await dest.selfCheck({ signal });
    const where = selectionWhere(input.selection, 1);
    const res = await deps.pool.query<BucketCount>(
      `SELECT bucket, count(*)::float8 AS documents, coalesce(sum(size), 0)::float8 AS bytes FROM archive_metadata
       WHERE ${where.sql} GROUP BY bucket ORDER BY bucket`,
      where.params,
    );
    return {
      total: res.rows.reduce((n, b) => n + b.documents, 0),
      totalBytes: res.rows.reduce((n, b) => n + b.bytes, 0),
      buckets: res.rows,
    };
  };
}
