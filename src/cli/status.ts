/**
 * `objectstorage status ID [--watch] [--failures FILE.csv]`: the task row, the journal's counts per phase,
 * live progress from the workflow, and the failed documents as CSV.
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { failedDocuments, getMigration, listMigrationTasks, phaseCounts, type JournalRow } from '../catalog';
import { MigrationNotFoundError } from '../errors';
import { adaptiveLine } from '../shared/adaptive-line';
import { bytesSummary } from '../shared/bytes';
import { progressQuery } from '../shared/messages';
import { taskQueueFor, type Progress } from '../shared/migration';
import { follow, stagingLine } from './follow';
import { withMigration } from './migration-record';
import type { GlobalOptions } from './globals';
import { createOutput } from './output';
import { payloadKeyMismatch } from './payload-key-mismatch';
import { taskIdArg } from './parse';
import { openTemporal } from './temporal';
import { noWorkerMessage, workersServing } from './workers-serving';
import { statusWords, workflowStatusOf } from './workflow-state';

const CSV_COLUMNS = [
  'userId',
  'bucket',
  'archiveId',
  'source_url',
  'dest_url',
  'error_code',
  'error_message',
  'attempts',
] as const;

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Failed documents as CSV, one row per document. */
export function failuresCsv(rows: readonly JournalRow[]): string {
  const lines = rows.map((r) =>
    CSV_COLUMNS.map((c) => csvCell((r as unknown as Record<string, unknown>)[c])).join(','),
  );
  return `${[CSV_COLUMNS.join(','), ...lines].join('\n')}\n`;
}

export function registerStatus(program: Command, globals: () => GlobalOptions): void {
  program
    .command('status')
    .description('show a migration: task row, journal counts, live progress; optionally its failed documents')
    .argument('<id>', 'migration (Anchore task) id', taskIdArg)
    .option('--watch', 'follow the progress until the migration ends')
    .option('--failures <file>', 'write the failed documents to this CSV file')
    .action(async (id: number, opts: { watch?: boolean; failures?: string }) => {
      const g = globals();
      const out = createOutput(g.json);
      await withMigration(g, id, async (record, pool) => {
        const task = (await listMigrationTasks(pool)).find((t) => t.id === id);
        if (!record || !task)
          throw new MigrationNotFoundError(
            `no migration with id ${id} in this catalog (see list-migrations)`,
          );
        const phases = await phaseCounts(pool, id);
        const session = await openTemporal(g, { say: (l) => out.note(l) });
        const { client } = session;
        try {
          const workflow = await workflowStatusOf(pool, client, record);
          const queue = taskQueueFor(record.catalog_fingerprint);
          const workers = workflow === 'RUNNING' ? await workersServing(client, queue) : undefined;
          let progress: Progress | undefined;
          if (workers?.length) {
            progress = await client.connection
              .withDeadline(Date.now() + 10_000, () =>
                client.workflow.getHandle(record.workflow_id).query(progressQuery),
              )
              .catch(async (err: unknown) => {
                // Without the workers' payload key no answer is readable: a named error, not a missing line.
                const mismatch = await payloadKeyMismatch(client, record.workflow_id, err).catch(
                  () => undefined,
                );
                if (mismatch) throw mismatch;
                return undefined; // a worker busy past the deadline: the catalog still tells the counts
              });
          }
          // Closing a migration ended outside us changes both rows: read them after.
          const now = (await getMigration(pool, id)) ?? record;
          const row = (await listMigrationTasks(pool)).find((t) => t.id === id) ?? task;
          out.result({
            id,
            state: row.state,
            record: now.state,
            task: row,
            journal: phases,
            workflow,
            workers: workers ?? null,
            stopReason: now.stop_reason,
            progress,
          });
          out.line(
            `Migration ${id}: ${row.migrate_from_driver} → ${row.migrate_to_driver}, task state ${row.state}`,
          );
          out.line(
            `  documents: ${row.archive_documents_migrated} of ${row.archive_documents_to_migrate} migrated`,
          );
          out.line(
            `  journal:   ${Object.entries(phases)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ')}`,
          );
          out.line(`  workflow:  ${statusWords(workflow)}`);
          if (workers)
            out.line(
              `  workers:   ${workers.length ? workers.join(', ') : `none: ${noWorkerMessage(queue, session.embedded !== undefined)}`}`,
            );
          if (now.stop_reason) out.line(`  stopped:   ${now.stop_reason}`);
          if (progress)
            out.line(
              `  live:      ${progress.phase}, ${progress.docsPerSecond} docs/s, ${progress.inFlightPages} pages in flight`,
            );
          if (progress) out.line(`  bytes:     ${bytesSummary(progress.counters)}`);
          if (progress?.staging && !progress.staging.cutover)
            out.line(`  staging:   ${stagingLine(progress, progress.staging)}`);
          if (progress?.staging?.cutover)
            out.line(
              `  cutover:   ${progress.staging.cutover.step}, ${progress.staging.cutover.bulkSwitched} staged document(s) switched in bulk`,
            );
          if (progress?.waitingFor) out.line(`  waiting:   ${progress.waitingFor}`);
          if (progress?.adaptive) out.line(`  slowed:    ${adaptiveLine(progress.adaptive, Date.now())}`);
          if (opts.failures) {
            const failed = await failedDocuments(pool, id);
            await writeFile(opts.failures, failuresCsv(failed));
            out.line(`  wrote ${failed.length} failed document(s) to ${opts.failures}`);
          }
          if (opts.watch && workflow === 'RUNNING')
            await follow(client, record.workflow_id, id, out, {
              tty: process.stderr.isTTY === true,
              taskQueue: queue,
            });
        } finally {
          await session.close();
        }
      });
    });
}
