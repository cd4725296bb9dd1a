/**
 * What migrate and reverse share once the input is known: register the Anchore task row and our registry row
 * (refusing a second running migration), start the workflow, follow it, and print the outcome.
 */
import { hostname } from 'node:os';
import type { Pool } from 'pg';
import { stringify } from 'yaml';
import { registerMigration } from '../catalog';
import { redactStoreConfig, scrubSecrets } from '../config';
import { ExitCode } from '../errors';
import {
  SA,
  taskQueueFor,
  migrationWorkflowId,
  type MigrationInput,
  type MigrationResult,
  type PortableStore,
} from '../shared/migration';
import type { migrateStore } from '../workflows';
import { follow } from './follow';
import type { GlobalOptions } from './globals';
import type { Output } from './output';
import { connectTemporal, isWorkflowRunning } from './temporal';

/** A migration ready to register: everything but the task id. */
export interface PendingMigration {
  readonly total: number;
  readonly fingerprint: string;
  inputFor(taskId: number): MigrationInput;
}

export async function startMigration(
  pool: Pool,
  g: GlobalOptions,
  out: Output,
  m: PendingMigration,
  opts: { detach: boolean },
): Promise<number> {
  const client = await connectTemporal(g);
  try {
    const probe = m.inputFor(0);
    const input = await registerMigration(
      pool,
      {
        fromDriver: probe.from.storage_driver.name,
        toDriver: probe.to.storage_driver.name,
        documentsToMigrate: m.total,
        executorId: `${hostname()}:${process.pid}:objectstorage:`,
        fingerprint: m.fingerprint,
        namespace: g.namespace,
        workflowIdFor: (taskId) => migrationWorkflowId(taskId, m.fingerprint),
        inputFor: m.inputFor,
      },
      (id) => isWorkflowRunning(client, id),
    );
    const workflowId = migrationWorkflowId(input.taskId, m.fingerprint);
    await client.workflow.start<typeof migrateStore>('migrateStore', {
      workflowId,
      taskQueue: taskQueueFor(m.fingerprint),
      args: [input],
      typedSearchAttributes: [
        { key: SA.taskId, value: String(input.taskId) },
        { key: SA.phase, value: 'preparing' },
        { key: SA.fromDriver, value: input.from.storage_driver.name },
        { key: SA.toDriver, value: input.to.storage_driver.name },
        { key: SA.total, value: m.total },
        { key: SA.migrated, value: 0 },
        { key: SA.failed, value: 0 },
        { key: SA.bytesMigrated, value: 0 },
      ],
      // What the workflow list shows: where from, where to, how much, which migration.
      staticSummary:
        `${input.selection.sourcePrefix} → ${input.destLocation} · ${m.total.toLocaleString('en-US')} docs · ` +
        `migration ${input.taskId}`,
      staticDetails: `${m.total} documents · ${input.nodelete ? 'sources kept (--nodelete)' : 'sources deleted after verify'}`,
    });
    out.line(`Migration Task Id: ${input.taskId}`);
    const ui = g.temporalUi;
    out.line(`Workflow: ${workflowId}`);
    out.line(`Temporal UI: ${ui}/namespaces/${g.namespace}/workflows/${workflowId}`);
    out.event({ event: 'started', taskId: input.taskId, workflowId, total: m.total });
    if (opts.detach) return ExitCode.ok;
    const result = await follow(client, workflowId, input.taskId, out, {
      tty: process.stderr.isTTY === true,
      taskQueue: taskQueueFor(m.fingerprint),
    });
    if (!result) return ExitCode.ok;
    return printResult(out, result, input);
  } finally {
    await client.connection.close();
  }
}

/** The summary and the destination config block; returns the exit code of the outcome. */
export function printResult(out: Output, result: MigrationResult, input: MigrationInput): number {
  out.event({ event: 'finished', ...result });
  const c = result.counters;
  out.line(
    `Migration ${result.taskId}: ${result.cancelled ? 'cancelled' : result.state} (Anchore task state ${result.state})`,
  );
  out.line(
    `Migration result summary: ${JSON.stringify({ id: result.taskId, state: result.state, cancelled: result.cancelled, ...result.counters })}`,
  );
  if (result.error) out.line(`Stopped by: ${result.error}`);
  // A permanent error (bad credentials, missing bucket, unusable directory, …) stopped the whole migration: a
  // config problem, reported on stderr as a named error with exit 1 like every other (guards: exit 3).
  if (result.error && !out.json) process.stderr.write(`${scrubSecrets(`error: ${result.error}`)}\n`);
  if (result.unswitchedCopies) {
    out.line(
      `${result.unswitchedCopies} copies no document points at were left at the destination (it refused their ` +
        `removal); \`objectstorage audit\` with the destination config lists them as orphans`,
    );
  }
  if (result.counters.failed > 0) {
    out.line(
      `${result.counters.failed} document(s) failed; list them with: objectstorage status ${result.taskId} --failures failures.csv`,
    );
  }
  const left = c.total - c.migrated;
  if (left === 0 && c.failed === 0 && !result.cancelled && !result.error) {
    printConfigBlock(out, input.to, input.toAnalysisArchive);
  } else {
    // Anchore must not be pointed at the new store while documents remain at the old one.
    out.line(
      `${left} of ${c.total} selected document(s) are still at ${input.selection.sourcePrefix}: keep Anchore's ` +
        `config as it is. ${
          c.failed > 0
            ? `Fix what failed them (objectstorage status ${result.taskId} --failures failures.csv), then run `
            : 'Run '
        }the same migrate command again to move what is left (it selects only what is still there).`,
    );
  }
  if (result.cancelled) return ExitCode.cancelled;
  if (result.error)
    return result.error.startsWith('GuardRefusedError:') ? ExitCode.guardRefused : ExitCode.usageOrConfig;
  return result.state === 'complete' ? ExitCode.ok : ExitCode.partial;
}

function printConfigBlock(out: Output, to: PortableStore, toAnalysisArchive: boolean): void {
  const section = toAnalysisArchive ? 'analysis_archive' : 'object_store';
  out.line(
    'After this migration, your anchore-engine config.yaml MUST have the following configuration options added before starting up again:',
  );
  out.line(stringify({ services: { catalog: { [section]: redactStoreConfig(to as never) } } }));
}
