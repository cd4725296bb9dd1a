/**
 * `objectstorage list-migrations`: every Anchore migration task (ours and anchore-manager's), with Anchore's
 * columns plus the workflow status of ours.
 */
import type { Command } from 'commander';
import { journalSize, listMigrationRecords, listMigrationTasks } from '../catalog';
import { formatBytes } from '../shared/bytes';
import { withCatalog } from './catalog-connection';
import type { GlobalOptions } from './globals';
import { createOutput } from './output';
import { openTemporalIfRunning } from './temporal';
import { workflowStatusOf } from './workflow-state';

const COLUMNS = [
  'id',
  'state',
  'start time',
  'end time',
  'from',
  'to',
  'migrated count',
  'total to migrate',
  'last updated',
  'workflow',
  'journal rows',
  'why stopped',
];

/** The table stays one line per migration: the first sentence of the reason; status shows it whole. */
const shortReason = (reason: string | null | undefined): string =>
  reason ? (reason.split(/(?<=[.;])\s/)[0]?.slice(0, 100) ?? '') : '';

const iso = (d: Date | null): string => (d ? d.toISOString().replace('Z', '') : '');

export function registerListMigrations(program: Command, globals: () => GlobalOptions): void {
  program
    .command('list-migrations')
    .description('list migration tasks with their state and counts (Anchore columns plus workflow status)')
    .action(async () => {
      const g = globals();
      const out = createOutput(g.json);
      await withCatalog(g, async (pool) => {
        const records = new Map((await listMigrationRecords(pool)).map((r) => [r.task_id, r]));
        const statuses = new Map<number, string>();
        if (records.size > 0) {
          // Only looks: an embedded Temporal that is not running is not started for this.
          const session = await openTemporalIfRunning(g, { say: (l) => out.note(l) }).catch(
            (err: unknown) => {
              // The catalog's rows are still worth listing; why their workflow column is empty is said.
              out.warn(`workflow states not shown: ${(err as Error).name}: ${(err as Error).message}`);
              return undefined;
            },
          );
          const client = session?.client;
          for (const [id, r] of records) {
            const status = client
              ? await workflowStatusOf(pool, client, r).catch(() => 'unknown')
              : 'temporal unreachable';
            statuses.set(id, status);
          }
          await session?.close();
        }
        // After the statuses: a migration whose workflow ended outside us has just been closed.
        const tasks = await listMigrationTasks(pool);
        const journal = await journalSize(pool);
        const recordsNow = new Map((await listMigrationRecords(pool)).map((r) => [r.task_id, r]));
        const rows = tasks.map((t) => ({
          id: t.id,
          state: t.state,
          started_at: iso(t.started_at),
          ended_at: iso(t.ended_at),
          from: t.migrate_from_driver,
          to: t.migrate_to_driver,
          migrated: t.archive_documents_migrated,
          total: t.archive_documents_to_migrate,
          last_updated: iso(t.last_updated),
          workflow: records.has(t.id) ? statuses.get(t.id) : 'anchore-manager',
          journal_rows: journal.rows.get(t.id) ?? 0,
          why_stopped: shortReason(recordsNow.get(t.id)?.stop_reason),
        }));
        out.result({ migrations: rows, journalBytes: journal.bytes });
        const table = [COLUMNS, ...rows.map((r) => Object.values(r).map((v) => String(v ?? '')))];
        const widths = COLUMNS.map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length)));
        for (const row of table)
          out.line(
            row
              .map((c, i) => c.padEnd(widths[i] ?? 0))
              .join('  ')
              .trimEnd(),
          );
        out.line(
          `Journal: ${[...journal.rows.values()].reduce((a, b) => a + b, 0)} row(s), ` +
            `${formatBytes(journal.bytes)} in the catalog database (objectstorage prune removes ` +
            'what no command needs)',
        );
      });
    });
}
