/**
 * Following a running migration from the CLI: a progress bar with rate and ETA on a TTY, a plain line every few
 * seconds otherwise, JSON events with --json. Ctrl-C detaches: the migration goes on in the workers.
 */
import type { Client } from '@temporalio/client';
import { MESSAGES, type MigrationResult, type Progress } from '../shared/migration';
import type { Output } from './output';

function bar(p: Progress, width = 30): string {
  const c = p.counters;
  const ratio = c.total > 0 ? Math.min(1, (c.migrated + c.failed) / c.total) : 0;
  const filled = Math.round(ratio * width);
  const eta = p.etaSeconds !== undefined ? ` ETA ${p.etaSeconds}s` : '';
  return (
    `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.floor(ratio * 100)}% ` +
    `${c.migrated}/${c.total} migrated, ${c.failed} failed, ${p.docsPerSecond} docs/s${eta} (${p.phase})`
  );
}

/** Polls the progress query until the workflow ends (or Ctrl-C); returns the result, or undefined if detached. */
export async function follow(
  client: Client,
  workflowId: string,
  taskId: number,
  out: Output,
  opts: { tty: boolean; intervalMs?: number },
): Promise<MigrationResult | undefined> {
  const handle = client.workflow.getHandle(workflowId);
  let detached = false;
  let onSigint = (): void => undefined;
  // Ctrl-C ends the wait at once, not after the current polling interval.
  const detach = new Promise<void>((resolve) => {
    onSigint = () => {
      detached = true;
      resolve();
    };
  });
  process.once('SIGINT', onSigint);
  const interval = opts.intervalMs ?? (opts.tty ? 500 : 5000);
  const resultPromise = handle.result() as Promise<MigrationResult>;
  let done = false;
  void resultPromise.then(
    () => (done = true),
    () => (done = true),
  );
  let last = '';
  let seen = false;
  try {
    while (!done && !detached) {
      try {
        const p = await handle.query<Progress>(MESSAGES.progress);
        seen = true;
        if (out.json) out.event({ event: 'progress', ...p });
        else if (opts.tty) process.stderr.write(`\r${bar(p)}\u001b[K`);
        else if (bar(p) !== last) out.line(bar(p));
        last = bar(p);
      } catch {
        // no worker has picked the workflow up yet, or it just ended; try again
      }
      await Promise.race([
        resultPromise.catch(() => undefined),
        detach,
        // Until a worker answers the first query, look again soon: first progress should show within a second.
        new Promise((r) => setTimeout(r, seen ? interval : Math.min(interval, 250))),
      ]);
    }
  } finally {
    process.removeListener('SIGINT', onSigint);
    if (opts.tty && !out.json) process.stderr.write('\n');
  }
  if (detached) {
    out.line(`Detached. The migration goes on; follow it with: objectstorage status ${taskId} --watch`);
    return undefined;
  }
  return resultPromise;
}
