/** The chaos run's one-screen report: faults per kind, retries, throughput, wall time and every violation. */
import type { Violations } from './end-state';
import type { FaultCounts } from './faults';
import type { RetryStats } from './history';
import type { ChaosSettings } from './settings';

export interface ChaosOutcome {
  readonly settings: ChaosSettings;
  readonly taskId: number;
  readonly loadSeconds: number;
  readonly migrationSeconds: number;
  readonly wallSeconds: number;
  readonly faults: FaultCounts;
  readonly unexpectedWorkerExits: number;
  /** Attempts that woke after their page was taken and stopped on their lost fence (worker log lines). */
  readonly zombiesStopped: number;
  readonly retries?: RetryStats;
  readonly audit: string;
  readonly violations: readonly Violations[];
}

const rate = (docs: number, seconds: number): string => (seconds > 0 ? (docs / seconds).toFixed(1) : '-');

export function formatReport(o: ChaosOutcome): string {
  const s = o.settings;
  const f = o.faults;
  const r = o.retries;
  const failed = o.violations.filter((v) => v.count > 0);
  const lines = [
    `==== chaos run (${s.profile}): db → s3, ${s.documents} documents, 2 workers, task ${o.taskId} ====`,
    `faults injected   worker SIGKILL ${f.workerKills} · Temporal restart ${f.temporalRestarts} · S3 restart ` +
      `${f.s3Restarts} · pg_terminate rounds ${f.pgRounds} (${f.pgConnectionsTerminated} connections) · ` +
      `TCP cuts worker↔PostgreSQL ${f.tcpCutsPg}, worker↔Temporal ${f.tcpCutsTemporal}`,
    `                  workers frozen past their lease just before a switch ${f.freezes.switch} · journal write ` +
      `${f.freezes.journal} · source delete ${f.freezes.delete} · fence check ${f.freezes.fence} ` +
      `(${f.freezesMissed} round(s) no worker reached); attempts stopped by a lost fence ${o.zombiesStopped}`,
    `                  restarts took ${f.restartSeconds.map((x) => `${x.toFixed(1)} s`).join(', ') || '-'}; ` +
      `workers that exited by themselves (restarted) ${o.unexpectedWorkerExits}`,
    r
      ? `activity retries  ${r.retriedAttempts} retried attempts over ${r.activities} activities in ${r.runs} runs ` +
        `(max ${r.maxHistoryLength} events/run); final attempts failed ${r.failedEvents}, timed out ${r.timedOutEvents}`
      : 'activity retries  (history not read)',
    `catalog load      ${s.documents} documents in ${o.loadSeconds.toFixed(1)} s (${rate(s.documents, o.loadSeconds)} docs/s)`,
    `migration         ${o.migrationSeconds.toFixed(1)} s under faults → ${rate(s.documents, o.migrationSeconds)} docs/s ` +
      `(page size ${s.pageSize}, ${s.pageConcurrency} pages in flight, ${s.workerConcurrency} slots/worker)`,
    `wall time         ${o.wallSeconds.toFixed(1)} s (load, snapshot, migration, checks)`,
    `audit             ${o.audit}`,
    ...o.violations.map(
      (v) =>
        `check             ${v.count === 0 ? 'ok  ' : 'FAIL'} ${v.kind}${v.count ? ` (${v.count})` : ''}`,
    ),
    ...failed.flatMap((v) => v.examples.map((e) => `                    ${e}`)),
    `result            ${failed.length === 0 ? 'PASS: nothing lost, nothing in two places' : `FAIL: ${failed.length} violated check(s)`}`,
  ];
  return `${lines.join('\n')}\n`;
}
