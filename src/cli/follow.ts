/**
 * Following a running migration from the CLI: a progress bar with rate and ETA on a TTY, a plain line every few
 * seconds otherwise, JSON events with --json. Ctrl-C detaches: the migration goes on in the workers.
 */
import type { Client } from '@temporalio/client';
import { ExitCode } from '../errors';
import { formatBytes } from '../shared/bytes';
import { progressQuery } from '../shared/messages';
import { progressBar } from '../shared/progress-bar';
import type { MigrationResult, Progress } from '../shared/migration';
import type { Output } from './output';
import { payloadKeyMismatch } from './payload-key-mismatch';
import { noWorkerMessage, workersServing } from './workers-serving';

/** A query the workflow's worker does not answer within this long is given up and tried again. */
const QUERY_DEADLINE_MS = 10_000;
/** Without an answer for this long, look whether any worker still polls. */
const NO_ANSWER_MS = 15_000;
/** While no worker polls, look again this often (a worker that starts is seen within it). */
const NO_WORKER_POLL_MS = 2_000;
/** While no worker polls, say so again this often. */
const NO_WORKER_REMINDER_MS = 60_000;
/**
 * How long a detached command stays after Ctrl-C before it exits: a second press within this finds the handler
 * (exit 0); one that lands while Node tears the process down kills it (exit 130).
 */
const DOUBLE_PRESS_MS = 300;

function bar(p: Progress): string {
  const c = p.counters;
  if (p.staging && !p.staging.cutover) return stagingLine(p, p.staging);
  const ratio = c.total > 0 ? (c.migrated + c.failed) / c.total : 0;
  const eta = p.etaSeconds !== undefined ? ` ETA ${p.etaSeconds}s` : '';
  return (
    `${progressBar(ratio)} ` +
    `${c.migrated}/${c.total} migrated, ${c.failed} failed, ${p.docsPerSecond} docs/s${eta} (${p.phase})`
  );
}

/** A staged migration between its passes: what is staged, and what the last pass found to copy again. */
export function stagingLine(p: Progress, s: NonNullable<Progress['staging']>): string {
  const c = p.counters;
  const delta = s.lastDelta
    ? `last pass found ${s.lastDelta.documents} new or changed (${formatBytes(s.lastDelta.bytes)})` +
      (s.lastDelta.dropped ? `, ${s.lastDelta.dropped} deleted` : '') +
      (s.lastDelta.passMs !== undefined ? ` in ${(s.lastDelta.passMs / 1000).toFixed(1)} s` : '')
    : 'first pass';
  const cutover =
    s.cutoverCopySeconds !== undefined
      ? `; a cutover now would switch ${s.staged.documents} and copy about that again (~${s.cutoverCopySeconds} s)`
      : '';
  return (
    `${c.staged ?? 0}/${c.total} staged, ${c.failed} failed, ${p.docsPerSecond} docs/s, pass ${s.passes}: ` +
    `${delta}${cutover} (${p.phase})`
  );
}

/** Polls the progress query until the workflow ends (or Ctrl-C); returns the result, or undefined if detached. */
export async function follow(
  client: Client,
  workflowId: string,
  taskId: number,
  out: Output,
  opts: {
    tty: boolean;
    intervalMs?: number;
    taskQueue: string;
    /** What Ctrl-C means here, when not that the migration goes on without this command. */
    detachedLine?: string;
  },
): Promise<MigrationResult | undefined> {
  const handle = client.workflow.getHandle(workflowId);
  let detached = false;
  let saidDetached = false;
  let onSigint = (): void => undefined;
  // Ctrl-C ends the wait at once, not after the current polling interval.
  const detachedLine =
    opts.detachedLine ??
    `Detached. The migration goes on; follow it with: objectstorage status ${taskId} --watch`;
  // Aborts this command's own requests on Ctrl-C: a pending one (the result's long poll, a query) would keep the
  // process alive until it returns, which for the result is when the migration ends.
  const stopRequests = new AbortController();
  const detach = new Promise<void>((resolve) => {
    onSigint = () => {
      // Ctrl-C again while detaching means the same: detach, exit 0 (not the 130 of a killed process).
      if (detached) {
        if (!saidDetached) out.line(detachedLine);
        process.exit(ExitCode.ok);
      }
      detached = true;
      stopRequests.abort();
      resolve();
    };
  });
  process.on('SIGINT', onSigint);
  const begun = Date.now();
  // Off a terminal a line is printed only when progress changes: every second while the run is young (a small
  // migration is over in seconds), then every few seconds.
  const interval = (): number =>
    opts.intervalMs ?? (opts.tty ? 500 : Date.now() - begun < 60_000 ? 1000 : 5000);
  const resultPromise = client.withAbortSignal(stopRequests.signal, () =>
    handle.result(),
  ) as Promise<MigrationResult>;
  let done = false;
  void resultPromise.then(
    () => (done = true),
    () => (done = true),
  );
  let last = '';
  let seen = false;
  let answeredAt = Date.now();
  let warnedAt = 0;
  let askedAt = 0;
  try {
    while (!done && !detached) {
      // Before the first answer, or when answers stop: is any worker there at all? Say so at once if not. Asked
      // every few seconds, not at every quick poll for the first progress: the answer changes no faster.
      const ask =
        (!seen || Date.now() - answeredAt > NO_ANSWER_MS) && Date.now() - askedAt >= NO_WORKER_POLL_MS;
      if (ask) askedAt = Date.now();
      const workers = ask
        ? await client
            .withAbortSignal(stopRequests.signal, () => workersServing(client, opts.taskQueue))
            .catch(() => undefined)
        : undefined;
      if (detached) break;
      if (workers?.length === 0) {
        if (Date.now() - warnedAt > NO_WORKER_REMINDER_MS) {
          out.warn(`${warnedAt ? 'still ' : ''}${noWorkerMessage(opts.taskQueue)}`);
          warnedAt = Date.now();
        }
      } else {
        try {
          const p = await client.withAbortSignal(stopRequests.signal, () =>
            client.connection.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => handle.query(progressQuery)),
          );
          if (detached) break;
          if (warnedAt) out.line(`a worker serves task queue ${opts.taskQueue} now: the migration goes on`);
          seen = true;
          answeredAt = Date.now();
          warnedAt = 0;
          if (out.json) out.event({ event: 'progress', ...p });
          else if (opts.tty) process.stderr.write(`\r${bar(p)}\u001b[K`);
          else if (bar(p) !== last) out.line(bar(p));
          last = bar(p);
        } catch (err) {
          if (detached) break;
          // Workers and this command without the same payload key never answer: say so instead of waiting.
          const mismatch = await payloadKeyMismatch(client, workflowId, err).catch(() => undefined);
          if (mismatch) throw mismatch;
          // else the workflow just ended, or its worker is busy or restarting; look again
        }
      }
      // Until a worker answers the first query, look again soon: first progress should show within a second.
      const pause = seen ? interval() : workers?.length === 0 ? NO_WORKER_POLL_MS : Math.min(interval(), 250);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        resultPromise.catch(() => undefined),
        detach,
        new Promise((r) => (timer = setTimeout(r, pause))),
      ]);
      // A pending timer would keep the process alive after the result is printed.
      clearTimeout(timer);
    }
  } finally {
    if (!detached) process.removeListener('SIGINT', onSigint);
    if (opts.tty && !out.json) process.stderr.write('\n');
  }
  if (detached) {
    out.line(detachedLine);
    saidDetached = true;
    await new Promise((resolve) => setTimeout(resolve, DOUBLE_PRESS_MS));
    return undefined;
  }
  return resultPromise;
}
