/**
 * Audit progress on stderr, so stdout keeps only the result: a bar redrawn in place on a terminal, otherwise a
 * line every few seconds (JSON lines with --json), like `migrate`'s follow.
 */
import { scrubSecrets } from '../config/redact';
import { progressBar } from '../shared/progress-bar';
import type { AuditProgress } from './types';

function line(p: AuditProgress): string {
  const ratio = p.rowsTotal > 0 ? p.rowsChecked / p.rowsTotal : 1;
  return (
    `${progressBar(ratio)} ` +
    `${p.rowsChecked}/${p.rowsTotal} rows checked, ${p.objectsListed} objects listed, ` +
    `${p.problems} problems (${p.phase})`
  );
}

/** The progress of an audit that has not started. */
export const startingProgress = (): AuditProgress => ({
  rowsTotal: 0,
  rowsChecked: 0,
  objectsListed: 0,
  problems: 0,
  phase: 'rows',
});

/** Starts reporting `p` on stderr; the returned function prints the last state and stops. */
export function showProgress(
  p: AuditProgress,
  opts: { tty: boolean; json: boolean; intervalMs?: number },
): () => void {
  const tty = opts.tty && !opts.json;
  const write = (): void => {
    if (tty) process.stderr.write(`\r${line(p)}\u001b[K`);
    else if (opts.json)
      process.stderr.write(`${scrubSecrets(JSON.stringify({ event: 'progress', ...p }))}\n`);
    else process.stderr.write(`${line(p)}\n`);
  };
  const timer = setInterval(write, opts.intervalMs ?? (tty ? 500 : 5000));
  timer.unref();
  return () => {
    clearInterval(timer);
    write();
    if (tty) process.stderr.write('\n');
  };
}
