/**
 * A migration's workflow as Temporal sees it, looked at by every command that shows or controls a migration. A
 * workflow that ended without closing its migration (terminated or timed out from outside, or failed) closes it
 * here: our record and Anchore's task row, which would otherwise say `running` forever.
 */
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { closeMigrationFromOutside, type MigrationRecord } from '../catalog';

/** Temporal's execution status name (RUNNING, COMPLETED, TERMINATED, ...), NOT_FOUND, or OTHER_NAMESPACE. */
export type WorkflowStatus = string;

/** A status as words: `timed out`, `other namespace`, `not found`. */
export function statusWords(status: WorkflowStatus): string {
  return status.toLowerCase().replaceAll('_', ' ');
}

// A workflow that ends by itself closes its migration first (the finish activity); these end without it.
const ENDED_WITHOUT_FINISH = ['TERMINATED', 'TIMED_OUT', 'FAILED', 'CANCELED'];

export async function workflowStatusOf(
  pool: Pool,
  client: Client,
  record: MigrationRecord,
): Promise<WorkflowStatus> {
  if (record.namespace !== null && record.namespace !== client.options.namespace) return 'OTHER_NAMESPACE';
  let status: string;
  try {
    status = (await client.workflow.getHandle(record.workflow_id).describe()).status.name;
  } catch (err) {
    if ((err as Error)?.name === 'WorkflowNotFoundError') return 'NOT_FOUND';
    throw err;
  }
  if (record.state === 'running' && ENDED_WITHOUT_FINISH.includes(status)) {
    await closeMigrationFromOutside(
      pool,
      record.task_id,
      'failed',
      `its workflow was ${statusWords(status)} outside objectstorage (for example with ` +
        '`temporal workflow terminate`): pages stopped where they were; copies no row points at may remain at ' +
        'the destination, and `objectstorage audit` with the destination config lists them',
    );
  }
  return status;
}
