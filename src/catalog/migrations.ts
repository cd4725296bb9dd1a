/**
 * Our registry of migrations (`objectstorage_migrations`): the workflow input (portable configs: references or
 * sealed values, never secrets) kept for `reverse` and `rollback`, and the state used by the one-at-a-time guard.
 */
import type { Pool } from 'pg';
import { GuardRefusedError } from '../errors';
import type { MigrationInput } from '../shared/migration';
import { ensureJournal } from './journal';
import { insertMigrationTask } from './tasks';
import { inTransaction } from './transaction';

export type MigrationRecordState =
  'running' | 'complete' | 'failed' | 'cancelled' | 'abandoned' | 'rolled_back';

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
  for (const r of await runningMigrations(pool)) {
    // From another namespace its workflow is invisible, not gone: never call it abandoned from here.
    if (r.namespace !== null && r.namespace !== t.namespace) {
      throw new GuardRefusedError(
        `migration ${r.task_id} runs in Temporal namespace ${r.namespace}, not in ${t.namespace} where this ` +
          `command looks: pass --namespace ${r.namespace} to follow it, wait for it, or cancel it there`,
      );
    }
    if (await isStillRunning(r.workflow_id)) {
      throw new GuardRefusedError(
        `migration ${r.task_id} (${r.workflow_id}) is still running on this catalog; wait for it, or cancel it ` +
          `with: objectstorage cancel ${r.task_id}`,
      );
    }
    await setMigrationState(pool, r.task_id, 'abandoned');
  }
  return inTransaction(pool, async (client) => {
    // One registration at a time per catalog, so two CLIs cannot both pass the check above.
    await client.query('LOCK TABLE objectstorage_migrations IN EXCLUSIVE MODE');
    const running = await client.query(
      `SELECT task_id FROM objectstorage_migrations WHERE state = 'running'`,
    );
    if (running.rowCount) {
      throw new GuardRefusedError(`migration ${running.rows[0].task_id} started meanwhile on this catalog`);
    }
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

export async function runningMigrations(pool: Pool): Promise<MigrationRecord[]> {
  const res = await pool.query<MigrationRecord>(
    `SELECT * FROM objectstorage_migrations WHERE state = 'running' ORDER BY task_id`,
  );
  return res.rows;
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
): Promise<void> {
  await pool.query(
    `UPDATE objectstorage_migrations SET state = $2::varchar, ended_at = CASE WHEN $2::varchar = 'running' THEN NULL ELSE now() END
     WHERE task_id = $1`,
    [taskId, state],
  );
}
