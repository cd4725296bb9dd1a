/**
 * `pause`, `resume`, `cancel` and `throttle`: workflow updates. The workflow's validators reject bad values
 * before they reach history; the CLI checks them first for a clear error.
 */
import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import type { Pool } from 'pg';
import { closeMigrationFromOutside, phaseCounts, type MigrationRecord } from '../catalog';
import { ConfigError, MigrationNotRunningError, NoWorkerError } from '../errors';
import { PLAIN_UPDATES, throttleUpdate } from '../shared/messages';
import { MESSAGES, taskQueueFor, throttleProblem, type ThrottleUpdate } from '../shared/migration';
import type { GlobalOptions } from './globals';
import { createOutput, type Output } from './output';
import { nonNegativeNumber, positiveInt, taskIdArg } from './parse';
import { withMigration } from './migration-record';
import { openTemporal } from './temporal';
import { noWorkerMessage, workersServing } from './workers-serving';
import { statusWords, workflowStatusOf } from './workflow-state';

/** The control commands: each is the workflow update of the same name, a throttle with its new limits. */
type ControlRequest =
  | { readonly name: keyof typeof PLAIN_UPDATES }
  | { readonly name: typeof MESSAGES.throttle; readonly limits: ThrottleUpdate };

async function sendUpdate(g: GlobalOptions, id: number, request: ControlRequest): Promise<void> {
  const { name } = request;
  const out = createOutput(g.json);
  await withMigration(g, id, async (record, pool) => {
    // Embedded: a cancel is applied by a worker of this command, so the migration ends as a cancel does.
    const session = await openTemporal(g, { workers: name === MESSAGES.cancel, say: (l) => out.note(l) });
    const { client } = session;
    try {
      const status = await workflowStatusOf(pool, client, record);
      if (status !== 'RUNNING') {
        throw new MigrationNotRunningError(
          `migration ${id} is not running (its workflow is ${statusWords(status)}; ` +
            `see objectstorage status ${id}): there is nothing to ${name}`,
        );
      }
      const queue = taskQueueFor(record.catalog_fingerprint);
      if ((await workersServing(client, queue)).length === 0) {
        if (name !== MESSAGES.cancel)
          throw new NoWorkerError(
            `${noWorkerMessage(queue, session.embedded !== undefined)}. ${name} is applied by a worker: run it again then`,
          );
        out.warn(noWorkerMessage(queue));
        await cancelWithoutWorker(pool, client, record, queue, out);
        return;
      }
      const handle = client.workflow.getHandle(record.workflow_id);
      const call =
        request.name === MESSAGES.throttle
          ? handle.executeUpdate(throttleUpdate, { args: [request.limits] })
          : handle.executeUpdate(PLAIN_UPDATES[request.name]);
      const p = await call.catch((err: unknown) => {
        const e = err as Error;
        if (e?.name === 'WorkflowUpdateFailedError')
          throw new ConfigError(`${name} refused: ${(e.cause as Error)?.message ?? e.message}`);
        throw err;
      });
      out.result(p);
      out.line(
        `migration ${id}: ${p.phase}, concurrency ${p.throttle.concurrency}, ${p.counters.migrated}/${p.counters.total} migrated`,
      );
    } finally {
      await session.close();
    }
  });
}

/**
 * Cancel when no worker would apply it: the workflow is terminated and the migration closed. Nothing runs on the
 * migration's pages any more (no worker polls); copies it made and did not switch stay where they are, said here.
 */
async function cancelWithoutWorker(
  pool: Pool,
  client: Client,
  record: MigrationRecord,
  queue: string,
  out: Output,
): Promise<void> {
  const id = record.task_id;
  await client.workflow
    .getHandle(record.workflow_id)
    .terminate(`objectstorage cancel ${id}: no worker served task queue ${queue}`);
  const phases = await phaseCounts(pool, id);
  const unswitched = phases.copied + phases.verified + phases.stale + phases.staged;
  await closeMigrationFromOutside(
    pool,
    id,
    'cancelled',
    `cancelled while no worker served task queue ${queue}` +
      (unswitched > 0 ? `; ${unswitched} copies no row points at were left at the destination` : ''),
  );
  out.result({ taskId: id, cancelled: true, withoutWorker: true, unswitchedCopies: unswitched });
  out.line(
    `migration ${id} cancelled without a worker: its workflow is terminated and its Anchore task row closed ` +
      `(failed); ${
        unswitched > 0
          ? `${unswitched} copies no row points at were left at the destination: \`objectstorage audit\` with ` +
            'the destination config lists them as orphans'
          : 'nothing had been copied, every document is where it was'
      }`,
  );
}

export function registerControl(program: Command, globals: () => GlobalOptions): void {
  const simple: Array<[keyof typeof PLAIN_UPDATES, string]> = [
    [MESSAGES.pause, 'stop starting new pages (in-flight pages finish)'],
    [MESSAGES.resume, 'start pages again after pause'],
    [MESSAGES.cancel, 'stop after in-flight pages; no document is left half-moved (exit code 4 for migrate)'],
  ];
  for (const [name, description] of simple) {
    program
      .command(name)
      .description(description)
      .argument('<id>', 'migration (Anchore task) id', taskIdArg)
      .action(async (id: number) => sendUpdate(globals(), id, { name }));
  }
  program
    .command(MESSAGES.throttle)
    .description('change concurrency or rate limits of a running migration')
    .argument('<id>', 'migration (Anchore task) id', taskIdArg)
    .option('--concurrency <n>', 'pages in flight', positiveInt('--concurrency'))
    .option('--max-docs-per-second <r>', '0 = unlimited', nonNegativeNumber('--max-docs-per-second'))
    .option('--max-bytes-per-second <b>', '0 = unlimited', nonNegativeNumber('--max-bytes-per-second'))
    .action(async (id: number, opts: ThrottleUpdate) => {
      const problem = throttleProblem(opts);
      if (problem) throw new ConfigError(problem);
      await sendUpdate(globals(), id, { name: MESSAGES.throttle, limits: opts });
    });
}
