/**
 * `objectstorage prune [ID...] [--older-than D] [--dry-run]`: journal retention. The journal is kept in Anchore's
 * catalog database; this removes the rows of ended migrations that no command reads any more and keeps what
 * `rollback` and `status --failures` need, saying so per migration.
 */
import type { Command } from 'commander';
import { pruneJournal } from '../catalog';
import { UsageError } from '../errors';
import { withCatalog } from './catalog-connection';
import type { GlobalOptions } from './globals';
import { createOutput } from './output';
import { taskIdArg } from './parse';

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `30d`, `12h`, `90m`, `0s`: a duration in milliseconds. */
export function durationArg(value: string): number {
  const m = /^(\d+)([smhd])$/.exec(value.trim());
  if (!m)
    throw new UsageError(
      `--older-than must be a number and a unit (s, m, h, d), such as 30d; got "${value}"`,
    );
  return Number(m[1]) * (UNITS[m[2] ?? 'd'] ?? 0);
}

export function registerPrune(program: Command, globals: () => GlobalOptions): void {
  program
    .command('prune')
    .description("remove journal rows of ended migrations that no command needs (kept: rollback's, failures)")
    .argument('[ids...]', 'only these migrations (default: every ended one)')
    .option(
      '--older-than <duration>',
      'only migrations that ended this long ago (s, m, h, d)',
      durationArg,
      30 * UNITS.d!,
    )
    .option('--dry-run', 'say what would be removed, remove nothing')
    .action(async (ids: string[], o: { olderThan: number; dryRun?: boolean }) => {
      const g = globals();
      const out = createOutput(g.json);
      const taskIds = ids.map(taskIdArg);
      await withCatalog(g, async (pool) => {
        const decisions = await pruneJournal(pool, {
          olderThanMs: o.olderThan,
          taskIds,
          dryRun: o.dryRun === true,
        });
        out.result({ dryRun: o.dryRun === true, migrations: decisions });
        const verb = o.dryRun ? 'would remove' : 'removed';
        for (const d of decisions) {
          out.line(
            `migration ${d.taskId}: ${verb} ${d.removed} journal row(s)` +
              (d.kept > 0 ? `, kept ${d.kept}${d.why ? ` (${d.why})` : ''}` : ''),
          );
        }
        const removed = decisions.reduce((n, d) => n + d.removed, 0);
        out.line(`${o.dryRun ? 'Would remove' : 'Removed'} ${removed} journal row(s) in all.`);
      });
    });
}
