/**
 * Our registry of migrations (`objectstorage_migrations`): the workflow input (portable configs: references or
 * sealed values, never secrets) kept for `reverse` and `rollback`, and the state used by the one-at-a-time guard.
 */
import type { Pool, PoolClient } from 'pg';
import { GuardRefusedError } from '../errors';
import { sameWork, type MigrationInput } from '../shared/migration';
import { movedDocumentName } from './compaction';
import { ensureJournal } from './our-tables';
import { failRunningTask, insertMigrationTask } from './tasks';
import { inTransaction } from '../sql/transaction';

export type MigrationRecordState =
  'running' | 'complete' | 'failed' | 'cancelled' | 'abandoned' | 'rolling_back' | 'rolled_back' | 'aborted';

/** States that hold the catalog: one at a time, whether a migration or its rollback. */
const ACTIVE_STATES = `('running', 'rolling_back')`;

export interface MigrationRecord {
  readonly task_id: number;
  readonly workflow_id: string;
  readonly state: MigrationRecordState;
  readonly catalog_fingerprint: string;
  /** The Temporal namespace its workflow runs in (null for records written before it was kept). */
  readonly namespace: string | null;
  readonly input: MigrationInput;
  readonly created_at: Date;
  readonly ended_at: Date | null;
  /** Why it stopped, when it did not complete (null while running, after success, and for older records). */
  readonly stop_reason: string | null;
  /** When `prune` began removing its moved documents' rows: from then on `reverse` cannot tell what it moved. */
  readonly pruned_at: Date | null;
}

/**
 * Creates the Anchore task row and our registry row in one transaction, refusing when another migration of this
 * catalog is running. `isStillRunning` lets the caller mark records whose workflow is gone as abandoned.
 */
export async function registerMigration(
  pool: Pool,
  t: {
    fromDriver: string;
    toDriver: string;
    documentsToMigrate: number;
    executorId: string;
    fingerprint: string;
    /** The Temporal namespace the caller sees (and starts the workflow in). */
    namespace: string;
    workflowIdFor: (taskId: number) => string;
    inputFor: (taskId: number) => MigrationInput;
  },
  isStillRunning: (workflowId: string) => Promise<boolean>,
): Promise<MigrationInput> {
  await ensureJournal(pool);
  await refuseOthersActive(pool, t.namespace, isStillRunning);
  return inTransaction(pool, async (client) => {
    // One registration at a time per catalog, so two CLIs cannot both pass the check above.
    await lockRegistryAgainstOthers(client, -1);
    const taskId = await insertMigrationTask(client, t);
    const input = t.inputFor(taskId);
    await client.query(
      `INSERT INTO objectstorage_migrations (task_id, workflow_id, state, catalog_fingerprint, input, namespace)
       VALUES ($1, $2, 'running', $3, $4, $5)`,
      [taskId, t.workflowIdFor(taskId), t.fingerprint, JSON.stringify(input), t.namespace],
    );
    return input;
  });
}

/**
 * Marks migration `taskId` as rolling back, so no migration starts beside its rollback, refusing while another
 * migration or rollback of the catalog runs. Returns the state to put back should the rollback not finish.
 */
export async function claimCatalogForRollback(
  pool: Pool,
  taskId: number,
  namespace: string,
  isStillRunning: (workflowId: string) => Promise<boolean>,
): Promise<MigrationRecordState> {
  await refuseOthersActive(pool, namespace, isStillRunning, taskId);
  return inTransaction(pool, async (client) => {
    await lockRegistryAgainstOthers(client, taskId);
    const res = await client.query<{ state: MigrationRecordState }>(
      `UPDATE objectstorage_migrations m SET state = 'rolling_back', ended_at = NULL
       FROM (SELECT state FROM objectstorage_migrations WHERE task_id = $1) prev
       WHERE m.task_id = $1 RETURNING prev.state`,
      [taskId],
    );
    const prev = res.rows[0]?.state;
    if (prev === undefined) throw new GuardRefusedError(`migration ${taskId} is not in the registry`);
    return prev;
  });
}

/** The workflow that holds the catalog for an active record: the migration's, or its rollback's. */
export function activeWorkflowId(r: MigrationRecord): string {
  return r.state === 'rolling_back' ? `${r.workflow_id}-rollback` : r.workflow_id;
}

/**
 * Refuses while another migration or rollback of the catalog is active; records whose workflow is gone are marked
 * abandoned. From another namespace a workflow is invisible, not gone: never called abandoned from here.
 */
async function refuseOthersActive(
  pool: Pool,
  namespace: string,
  isStillRunning: (workflowId: string) => Promise<boolean>,
  exceptTaskId = -1,
): Promise<void> {
  for (const r of await runningMigrations(pool)) {
    if (r.task_id === exceptTaskId) continue;
    const what =
      r.state === 'rolling_back' ? `the rollback of migration ${r.task_id}` : `migration ${r.task_id}`;
    if (r.namespace !== null && r.namespace !== namespace) {
      throw new GuardRefusedError(
        `${what} runs in Temporal namespace ${r.namespace}, not in ${namespace} where this command looks: ` +
          `pass --namespace ${r.namespace} to follow it, wait for it, or cancel it there`,
      );
    }
    if (await isStillRunning(activeWorkflowId(r))) {
      throw new GuardRefusedError(
        `${what} (${activeWorkflowId(r)}) is still running on this catalog; wait for it` +
          (r.state === 'running' ? `, or cancel it with: objectstorage cancel ${r.task_id}` : ''),
      );
    }
    await closeMigrationFromOutside(
      pool,
      r.task_id,
      'abandoned',
      `its workflow ${activeWorkflowId(r)} was no longer running in Temporal namespace ${namespace} when a ` +
        'later command looked (ended outside objectstorage, or its history is gone)',
    );
  }
}

/** One registration at a time per catalog, so two CLIs cannot both pass the check above. */
async function lockRegistryAgainstOthers(client: PoolClient, exceptTaskId: number): Promise<void> {
  await client.query('LOCK TABLE objectstorage_migrations IN EXCLUSIVE MODE');
  const active = await client.query<{ task_id: number }>(
    `SELECT task_id FROM objectstorage_migrations WHERE state IN ${ACTIVE_STATES} AND task_id <> $1`,
    [exceptTaskId],
  );
  if (active.rowCount) {
    throw new GuardRefusedError(`migration ${active.rows[0]?.task_id} started meanwhile on this catalog`);
  }
}

/** Records holding the catalog now (a migration running, or a rollback). */
export async function runningMigrations(pool: Pool): Promise<MigrationRecord[]> {
  const res = await pool.query<MigrationRecord>(
    `SELECT * FROM objectstorage_migrations WHERE state IN ${ACTIVE_STATES} ORDER BY task_id`,
  );
  return res.rows;
}

/** The running migration of `namespace` that does what `input` would (the same command run again), if any. */
export async function runningMigrationLike(
  pool: Pool,
  input: MigrationInput,
  namespace: string,
): Promise<MigrationRecord | undefined> {
  await ensureJournal(pool);
  return (await runningMigrations(pool)).find(
    (r) => r.state === 'running' && (r.namespace ?? namespace) === namespace && sameWork(r.input, input),
  );
}

export async function getMigration(pool: Pool, taskId: number): Promise<MigrationRecord | undefined> {
  await ensureJournal(pool);
  const res = await pool.query<MigrationRecord>(`SELECT * FROM objectstorage_migrations WHERE task_id = $1`, [
    taskId,
  ]);
  return res.rows[0];
}

export async function listMigrationRecords(pool: Pool): Promise<MigrationRecord[]> {
  await ensureJournal(pool);
  return (await pool.query<MigrationRecord>(`SELECT * FROM objectstorage_migrations ORDER BY task_id`)).rows;
}

export async function setMigrationState(
  pool: Pool,
  taskId: number,
  state: MigrationRecordState,
  /** Why it stopped, kept for status and list-migrations (cleared when it runs again). */
  stopReason?: string,
): Promise<void> {
  await pool.query(
    `UPDATE objectstorage_migrations SET state = $2::varchar, stop_reason = $3,
       ended_at = CASE WHEN $2::varchar = 'running' THEN NULL ELSE now() END
     WHERE task_id = $1`,
    [taskId, state, stopReason ?? null],
  );
}

/**
 * Closes a migration whose workflow ended without closing it (terminated or timed out in Temporal, or cancelled
 * while no worker served it): our record gets `state` and the reason, and Anchore's task row, if it still says
 * running, becomes failed, as anchore-manager leaves a migration that did not finish.
 */
export async function closeMigrationFromOutside(
  pool: Pool,
  taskId: number,
  state: 'failed' | 'cancelled' | 'abandoned',
  reason: string,
): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query(
      `UPDATE objectstorage_migrations SET state = $2, stop_reason = $3, ended_at = now()
       WHERE task_id = $1 AND state IN ${ACTIVE_STATES}`,
      [taskId, state, reason],
    );
    await failRunningTask(client, taskId);
  });
}

/**
 * Later migrations that switched documents this one journaled: rolling this one back would act on what is now
 * theirs. Up to five task ids, in order.
 */
export async function laterMigrationsThatSwitched(pool: Pool, taskId: number): Promise<number[]> {
  // Ended migrations' moved documents are in objectstorage_moved (compaction.ts), as `deleted`.
  const documents = `(SELECT task_id, bucket, "archiveId", "userId", "documentName", phase FROM objectstorage_journal
     UNION ALL SELECT task_id, bucket, "archiveId", "userId", ${movedDocumentName('objectstorage_moved')}, 'deleted'
     FROM objectstorage_moved)`;
  const res = await pool.query<{ task_id: number }>(
    `SELECT DISTINCT b.task_id FROM ${documents} a
     JOIN ${documents} b ON b.bucket = a.bucket AND b."archiveId" = a."archiveId"
       AND b."userId" = a."userId" AND b."documentName" = a."documentName" AND b.task_id > a.task_id
     WHERE a.task_id = $1 AND b.phase IN ('switched', 'deleted', 'kept')
     ORDER BY b.task_id LIMIT 5`,
    [taskId],
  );
  return res.rows.map((r) => r.task_id);
}
