/**
 * rollbackMigration: runs rollbackBatch until nothing is left, on the workers (which hold the credentials),
 * continuing as new before the history grows large. Returns the totals.
 */
import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { MigrationInput } from '../shared/migration';
import { pagePreset } from './presets';

const { rollbackBatch } = wf.proxyActivities<Activities>(pagePreset);

/** Totals of a rollback. */
export interface RollbackTotals {
  readonly restored: number;
  readonly removed: number;
  readonly sourceMissing: number;
}

const BATCH = 500;
const BATCHES_PER_RUN = 400;

export async function rollbackMigration(
  input: MigrationInput,
  carried?: RollbackTotals,
): Promise<RollbackTotals> {
  let totals: RollbackTotals = carried ?? { restored: 0, removed: 0, sourceMissing: 0 };
  for (let i = 0; i < BATCHES_PER_RUN; i++) {
    const r = await rollbackBatch(input, BATCH);
    totals = {
      restored: totals.restored + r.restored,
      removed: totals.removed + r.removed,
      sourceMissing: totals.sourceMissing + r.sourceMissing,
    };
    if (!r.remaining) return totals;
  }
  return wf.continueAsNew<typeof rollbackMigration>(input, totals);
}
