/**
 * What migrate and reverse share once the input is known: register the Anchore task row and our registry row
 * (refusing a second running migration), start the workflow, follow it, and print the outcome.
 */
import { hostname } from 'node:os';
import type { Pool } from 'pg';
import { stringify } from 'yaml';
import { registerMigration, runningMigrationLike } from '../catalog';
import { redactStoreConfig, scrubSecrets } from '../config';
import { ExitCode, UsageError } from '../errors';
import { bytesSummary } from '../shared/bytes';
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
import { isWorkflowRunning, usesEmbedded, withTemporal, type TemporalSession } from './temporal';

/** A migration ready to register: everything but the task id. */
export interface PendingMigration {
  readonly total: number;
  readonly fingerprint: string;
  inputFor(taskId: number): MigrationInput;
  /** What the operator does next, printed once the id is known (stage: when and how to cut over). */
  nextStep?(taskId: number): string;
}

export async function startMigration(
  pool: Pool,
  g: GlobalOptions,
  out: Output,
  m: PendingMigration,
  opts: { detach: boolean },
): Promise<number> {
  if (opts.detach && (await usesEmbedded(g))) {
    throw new UsageError(
      '--detach needs workers that outlive this command, and with Temporal embedded on this host the worker runs ' +
        'inside it. Run without --detach (Ctrl-C stops it; the same command run again resumes it), or give a ' +
        'Temporal server with --temporal-address and run objectstorage worker processes.',
    );
  }
  return withTemporal(g, { workers: !opts.detach, say: (l) => out.note(l) }, async (session) => {
    const { client } = session;
    const probe = m.inputFor(0);
    const same = await runningMigrationLike(pool, probe, g.namespace);
    if (same && (await isWorkflowRunning(client, same.workflow_id))) {
      out.line(
        `Migration ${same.task_id} moves the same documents the same way and is running: following it (its ` +
          `settings are kept; change them with objectstorage throttle ${same.task_id})`,
      );
      return announceAndFollow(session, g, out, same.input, same.workflow_id, { ...opts, next: m.nextStep });
    }
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
      staticDetails: `${m.total} documents · ${
        input.stage
          ? 'staged while Anchore runs; switched by objectstorage cutover'
          : input.nodelete
            ? 'sources kept (--nodelete)'
            : 'sources deleted after verify'
      }`,
    });
    out.event({ event: 'started', taskId: input.taskId, workflowId, total: m.total });
    return announceAndFollow(session, g, out, input, workflowId, { ...opts, next: m.nextStep });
  });
}

/** Prints where to watch the migration, follows it unless detached, and prints its outcome. */
async function announceAndFollow(
  session: TemporalSession,
  g: GlobalOptions,
  out: Output,
  input: MigrationInput,
  workflowId: string,
  opts: { detach: boolean; next?: ((taskId: number) => string) | undefined },
): Promise<number> {
  out.line(`Migration Task Id: ${input.taskId}`);
  out.line(`Workflow: ${workflowId}`);
  out.line(`Temporal UI: ${session.ui}/namespaces/${g.namespace}/workflows/${workflowId}`);
  if (opts.next) out.line(opts.next(input.taskId));
  if (opts.detach) return ExitCode.ok;
  const result = await follow(session.client, workflowId, input.taskId, out, {
    tty: process.stderr.isTTY === true,
    taskQueue: taskQueueFor(input.catalogFingerprint),
    ...(session.embedded
      ? {
          detachedLine:
            `Stopped. Migration ${input.taskId} is kept in ${session.embedded.stateDir} and nothing moves until ` +
            'the same command runs again, which resumes it.',
        }
      : {}),
  });
  if (!result) return ExitCode.ok;
  return printResult(out, result, input);
}

/**
 * The summary and the destination config block; returns the exit code of the outcome. `acceptedFailures`: the
 * operator chose to leave the failed documents at the source (cutover --accept-failures), so the config block is
 * printed when they are all that is left.
 */
export function printResult(
  out: Output,
  result: MigrationResult,
  input: MigrationInput,
  acceptedFailures = false,
): number {
  out.event({ event: 'finished', ...result });
  const c = result.counters;
  out.line(
    `Migration ${result.taskId}: ${result.cancelled ? 'cancelled' : result.state} (Anchore task state ${result.state})`,
  );
  out.line(
    `Migration result summary: ${JSON.stringify({ id: result.taskId, state: result.state, cancelled: result.cancelled, ...result.counters })}`,
  );
  out.line(`Bytes: ${bytesSummary(c)}`);
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
  if (result.counters.sourcesKept) {
    out.line(
      `${result.counters.sourcesKept} source(s) kept: their documents moved, but the old store refused to delete ` +
        `them (Object Lock retention, a legal hold or a policy); list them with: objectstorage status ` +
        `${result.taskId} --failures kept.csv (code source_kept), and remove them once the store allows it`,
    );
  }
  if (result.counters.failed > 0) {
    out.line(
      `${result.counters.failed} document(s) failed; list them with: objectstorage status ${result.taskId} --failures failures.csv`,
    );
  }
  const left = c.total - c.migrated;
  const ended = !result.cancelled && !result.error;
  if (ended && left === 0 && c.failed === 0) {
    printConfigBlock(out, input.to, input.toAnalysisArchive);
  } else if (ended && acceptedFailures && left <= c.failed) {
    out.line(
      `The ${c.failed} failed document(s) you accepted stay at ${input.selection.sourcePrefix}; every other ` +
        'selected document is at the destination.',
    );
    printConfigBlock(out, input.to, input.toAnalysisArchive);
  } else {
    // Anchore must not be pointed at the new store while documents remain at the old one.
    out.line(
      `${left} of ${c.total} selected document(s) are still at ${input.selection.sourcePrefix}: keep Anchore's ` +
        `config as it is. ${
          c.failed > 0
            ? `Fix what failed them (objectstorage status ${result.taskId} --failures failures.csv), then run `
            : 'Run '
        }${
          input.selection.movedBy === undefined
            ? 'the same migrate command again'
            : `objectstorage reverse ${input.selection.movedBy} again`
        } to move what is left (it selects only what is still there).`,
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
