/**
 * `objectstorage cutover ID` and `objectstorage abort ID`: the end of a staged migration (docs/adr/0006).
 * cutover, with Anchore stopped (the offline guard, as migrate), switches every staged row in bulk, moves what
 * is left, deletes the sources (unless --nodelete) and prints the offline window and the config block. abort
 * drops a staged migration: its staged copies no row points at are removed, and its journal rows with them.
 */
import type { Command } from 'commander';
import type { Pool } from 'pg';
import {
  dropStageIndex,
  forgetAbortedRows,
  phaseCounts,
  setMigrationState,
  type MigrationRecord,
} from '../catalog';
import { checkAnchoreOffline, checkNoAnchoreMigration } from '../catalog/guards';
import { ExitCode, GuardRefusedError, MigrationNotRunningError, NoWorkerError } from '../errors';
import {
  MESSAGES,
  taskQueueFor,
  type CutoverRequest,
  type MigrationResult,
  type Progress,
} from '../shared/migration';
import { confirmStopped } from './confirm';
import { follow } from './follow';
import { cancelUpdate, cutoverUpdate } from '../shared/messages';
import type { GlobalOptions } from './globals';
import { withMigration } from './migration-record';
import { createOutput, type Output } from './output';
import { taskIdArg } from './parse';
import { printResult } from './start-migration';
import { withTemporal, type TemporalSession } from './temporal';
import { noWorkerMessage, workersServing } from './workers-serving';
import { statusWords, workflowStatusOf } from './workflow-state';

interface CutoverOptions {
  nodelete?: boolean;
  force?: boolean;
  dontask?: boolean;
  acceptFailures?: boolean;
}

export function registerCutover(program: Command, globals: () => GlobalOptions): void {
  program
    .command('cutover')
    .description(
      'with Anchore stopped, switch a staged migration: every staged document at once, then what changed since',
    )
    .argument('<id>', 'staged migration (Anchore task) id', taskIdArg)
    .option('--nodelete', 'keep the source copies (enables rollback)')
    .option('--force', 'cut over even though Anchore services still heartbeat')
    .option('--dontask', 'do not ask for confirmation')
    .option('--accept-failures', 'cut over although documents failed to stage (they stay at the source)')
    .addHelpText(
      'after',
      '\nThe offline window printed at the end runs from this command passing its guard to the last switch;\n' +
        'start Anchore on the new config (the block printed) when it ends. Exit codes as migrate.',
    )
    .action(async (id: number, o: CutoverOptions) => {
      const g = globals();
      process.exitCode = await runCutover(id, o, g);
    });
  program
    .command('abort')
    .description('drop a staged migration: remove its staged copies and its journal rows (Anchore may run)')
    .argument('<id>', 'staged migration (Anchore task) id', taskIdArg)
    .action(async (id: number) => {
      process.exitCode = await runAbort(id, globals());
    });
}

/** The staged migration's record, refused by name when it is not one. */
function stagedOnly(record: MigrationRecord, command: string): void {
  if (!record.input.stage)
    throw new GuardRefusedError(
      `migration ${record.task_id} was started by migrate or reverse, not stage: there is nothing to ${command}`,
    );
}

/** The running staged migration's workflow, with a worker to apply the update; refused by name otherwise. */
async function runningStaged(
  pool: Pool,
  session: TemporalSession,
  record: MigrationRecord,
  command: string,
): Promise<void> {
  const status = await workflowStatusOf(pool, session.client, record);
  if (status !== 'RUNNING')
    throw new MigrationNotRunningError(
      `migration ${record.task_id} is not running (its workflow is ${statusWords(status)}; see objectstorage ` +
        `status ${record.task_id}): there is nothing to ${command}`,
    );
  const queue = taskQueueFor(record.catalog_fingerprint);
  if ((await workersServing(session.client, queue)).length === 0)
    throw new NoWorkerError(
      `${noWorkerMessage(queue, session.embedded !== undefined)}. The ${command} is applied by a worker: run it again then`,
    );
}

/** Sends an update, a refusal by the workflow becoming a guard's refusal with the workflow's reason. */
async function update(
  session: TemporalSession,
  record: MigrationRecord,
  request:
    | { readonly name: typeof MESSAGES.cutover; readonly arg: CutoverRequest }
    | { readonly name: typeof MESSAGES.cancel },
): Promise<Progress> {
  const handle = session.client.workflow.getHandle(record.workflow_id);
  const call =
    request.name === MESSAGES.cutover
      ? handle.executeUpdate(cutoverUpdate, { args: [request.arg] })
      : handle.executeUpdate(cancelUpdate);
  return call.catch((err: unknown) => {
    const e = err as Error;
    if (e?.name === 'WorkflowUpdateFailedError')
      throw new GuardRefusedError(`${request.name} refused: ${(e.cause as Error)?.message ?? e.message}`);
    throw err;
  });
}

async function followToEnd(
  session: TemporalSession,
  record: MigrationRecord,
  out: Output,
): Promise<MigrationResult | undefined> {
  return follow(session.client, record.workflow_id, record.task_id, out, {
    tty: process.stderr.isTTY === true,
    taskQueue: taskQueueFor(record.catalog_fingerprint),
  });
}

async function runCutover(id: number, o: CutoverOptions, g: GlobalOptions): Promise<number> {
  const out = createOutput(g.json);
  return withMigration(g, id, async (record, pool) => {
    stagedOnly(record, 'cut over');
    return withTemporal(g, { workers: true, say: (l) => out.note(l) }, async (session) => {
      await runningStaged(pool, session, record, 'cutover');
      const phases = await phaseCounts(pool, id);
      if (phases.failed > 0 && !o.acceptFailures)
        throw new GuardRefusedError(
          `${phases.failed} document(s) of migration ${id} failed to stage; cut over they would stay at the ` +
            `source, where Anchore on the new config cannot read them. List them with: objectstorage status ${id} ` +
            '--failures failures.csv; fix them, or cut over with --accept-failures and keep them in mind',
        );
      await checkAnchoreOffline(pool, o.force === true);
      await checkNoAnchoreMigration(pool);
      out.line(
        `Cutover of migration ${id}: ${phases.staged} document(s) staged; every one is switched at once, then ` +
          'what changed since is moved.',
      );
      if (!o.dontask && !(await confirmStopped(out))) {
        out.line('Skipping cutover.');
        return ExitCode.ok;
      }
      const req: CutoverRequest = { nodelete: o.nodelete === true, force: o.force === true };
      await update(session, record, { name: MESSAGES.cutover, arg: req });
      const result = await followToEnd(session, record, out);
      if (!result) return ExitCode.ok;
      const code = printResult(out, result, { ...record.input, nodelete: req.nodelete }, o.acceptFailures);
      if (result.cutover) {
        out.line(
          `Offline window: ${(result.cutover.offlineWindowMs / 1000).toFixed(1)} s (from the cutover's start to ` +
            `its last switch; ${result.cutover.bulkSwitched} staged document(s) switched in bulk${windowParts(result.cutover)})`,
        );
      }
      return code;
    });
  });
}

/** The offline window's parts, in seconds, where the result has them. */
function windowParts(c: NonNullable<MigrationResult['cutover']>): string {
  const s = (ms: number | undefined): string => ((ms ?? 0) / 1000).toFixed(1);
  return c.bulkSwitchMs === undefined
    ? ''
    : `: drain ${s(c.drainMs)} s, bulk switch ${s(c.bulkSwitchMs)} s, what changed since ${s(c.restMs)} s`;
}

async function runAbort(id: number, g: GlobalOptions): Promise<number> {
  const out = createOutput(g.json);
  return withMigration(g, id, async (record, pool) => {
    stagedOnly(record, 'abort');
    const before = await phaseCounts(pool, id);
    if (before.switched + before.deleted + before.kept > 0)
      throw new GuardRefusedError(
        `migration ${id} has begun its cutover (${before.switched + before.deleted + before.kept} document(s) ` +
          `switched): an abort cannot undo that. Let it finish, or cancel it (objectstorage cancel ${id}) and ` +
          `roll it back (objectstorage rollback ${id})`,
      );
    await withTemporal(g, { workers: true, say: (l) => out.note(l) }, async (session) => {
      if ((await workflowStatusOf(pool, session.client, record)) !== 'RUNNING') return;
      await runningStaged(pool, session, record, 'abort');
      // A cancel removes the copies no row points at before the workflow ends.
      await update(session, record, { name: MESSAGES.cancel });
      await followToEnd(session, record, out);
    });
    const left = await forgetAbortedRows(pool, id);
    // Its finish dropped the staging index, unless the workflow had already ended without one.
    await dropStageIndex(pool);
    await setMigrationState(pool, id, 'aborted', 'aborted by an operator (objectstorage abort)');
    out.result({ taskId: id, aborted: true, copiesLeft: left });
    out.line(
      `Migration ${id} aborted: its staged copies were removed and its journal rows with them` +
        (left > 0
          ? `, but for ${left} copies the destination refused to remove (objectstorage audit with the destination ` +
            'config lists them as orphans)'
          : ''),
    );
    return ExitCode.ok;
  });
}
