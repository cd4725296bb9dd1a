/**
 * One migration as a user runs it: N fresh `objectstorage worker` processes with default settings, then
 * `objectstorage --json migrate FROM TO --dontask`. Measures wall time, the first progress event, the workers'
 * peak RSS (fresh processes, so VmHWM is this migration's) and the history events of every workflow run.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { BIN, startWorker, type Worker } from './processes';
import type { Stack } from './stack';

export interface MigrationRun {
  readonly label: string;
  readonly documents: number;
  readonly exitCode: number | null;
  readonly seconds: number;
  readonly docsPerSecond: number;
  /** Seconds from spawning `migrate` to its `started` and first `progress` events. */
  readonly startedAfter?: number;
  readonly firstProgressAfter?: number;
  readonly finished?: Record<string, unknown>;
  readonly workerPeakRssMiB: number[];
  /** Peak RSS of each worker when it was ready, before the migration started. */
  readonly workerReadyRssMiB: number[];
  /**
   * CPU seconds of each worker process when it was ready and when `migrate` ended: what the workers themselves
   * cost, apart from the `migrate` command and the bench process that the "bench" share also counts.
   */
  readonly workerCpuSeconds: { readonly ready: number[]; readonly end: number[] };
  readonly workflowId?: string;
  readonly historyEventsPerRun: number[];
  readonly cpuProfiles: string[];
  /** Set when the bench cancelled the migration after this many seconds (a time-boxed run of a huge catalog). */
  readonly stoppedAfterSeconds?: number;
  /** Documents migrated (all of them unless time-boxed). */
  readonly migrated: number;
}

export interface MigrateOptions {
  readonly label: string;
  readonly documents: number;
  readonly from: string;
  readonly to: string;
  readonly env: Record<string, string>;
  readonly workers: number;
  readonly logDir: string;
  readonly cpuProfDir?: string;
  /** Further `migrate` options (BENCH_MIGRATE_ARGS). */
  readonly extraArgs: readonly string[];
  /** Cancel the migration (`objectstorage cancel`) this long after it started; in-flight pages finish. */
  readonly stopAfterSeconds?: number;
  readonly log: (m: string) => void;
}

/** Runs `migrate --json` and timestamps its events. */
function runMigrate(o: MigrateOptions): Promise<{
  code: number | null;
  seconds: number;
  events: Array<{ at: number; e: Record<string, unknown> }>;
  stderr: string;
}> {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const at = (): number => Number(process.hrtime.bigint() - t0) / 1e9;
    const child = spawn(BIN, ['--json', 'migrate', o.from, o.to, '--dontask', ...o.extraArgs], {
      env: o.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const events: Array<{ at: number; e: Record<string, unknown> }> = [];
    let timer: NodeJS.Timeout | undefined;
    const cancelLater = (taskId: unknown): void => {
      timer = setTimeout(
        () => {
          o.log(`  ${o.label}: time box of ${o.stopAfterSeconds} s reached; objectstorage cancel ${taskId}`);
          spawn(BIN, ['cancel', String(taskId)], { env: o.env, stdio: 'ignore' });
        },
        (o.stopAfterSeconds ?? 0) * 1000,
      );
    };
    let buf = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      const now = at();
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        try {
          const e = JSON.parse(line) as Record<string, unknown>;
          if (e.event === 'started' && o.stopAfterSeconds !== undefined) cancelLater(e.taskId);
          // a long run prints thousands of progress events: keep the first and the last
          if (e.event === 'progress' && events.filter((x) => x.e.event === 'progress').length >= 2)
            events.pop();
          events.push({ at: now, e });
        } catch {
          // a multi-line result block; the events are single lines
        }
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, seconds: at(), events, stderr });
    });
  });
}

/** History events of every run of `workflowId` (continue-as-new makes a chain of runs). */
export async function historyEvents(address: string, workflowId: string): Promise<number[]> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection });
    const counts: number[] = [];
    for await (const wf of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
      const h = await client.workflow.getHandle(workflowId, wf.runId).fetchHistory();
      counts.push(h.events?.length ?? 0);
    }
    return counts;
  } finally {
    await connection.close();
  }
}

const mib = (kib: number): number => Math.round((kib / 1024) * 10) / 10;

/**
 * Starts `count` fresh workers and waits until all poll: the first alone, then the others (workers started
 * together on a fresh catalog race creating our tables: "duplicate key value violates unique constraint
 * pg_type_typname_nsp_index"; see the report). Returns them with each one's peak RSS when ready.
 */
export async function startWorkers(
  o: Pick<MigrateOptions, 'label' | 'env' | 'workers' | 'logDir' | 'cpuProfDir'>,
): Promise<{ workers: Worker[]; readyPeaks: number[] }> {
  mkdirSync(o.logDir, { recursive: true });
  if (o.cpuProfDir) mkdirSync(o.cpuProfDir, { recursive: true });
  const workers: Worker[] = [];
  const start = (i: number): Worker =>
    startWorker(o.env, join(o.logDir, `${o.label}-worker-${i + 1}.log`), o.cpuProfDir);
  try {
    workers.push(start(0));
    await workers[0]?.ready();
    for (let i = 1; i < o.workers; i++) workers.push(start(i));
    // All must be polling before the migration starts, or a fast run may finish on the first alone.
    await Promise.all(workers.map((w) => w.ready()));
  } catch (err) {
    await Promise.all(workers.map((w) => w.stop()));
    throw err;
  }
  // Peak RSS of an idle, ready worker: what the process costs before any page (runtime, SDKs, workflow bundle).
  return { workers, readyPeaks: workers.map((w) => mib(w.peakKiB())) };
}

export async function measureMigration(stack: Stack, o: MigrateOptions): Promise<MigrationRun> {
  const { workers, readyPeaks } = await startWorkers(o);
  const readyCpu = workers.map((w) => w.cpuSeconds());
  try {
    o.log(
      `  ${o.label}: ${o.workers} workers ready (peak RSS ${readyPeaks.join('/')} MiB); migrate ${o.documents} documents`,
    );
    const r = await runMigrate(o);
    const started = r.events.find((x) => x.e.event === 'started');
    const firstProgress = r.events.find((x) => x.e.event === 'progress');
    const finished = r.events.find((x) => x.e.event === 'finished')?.e;
    if (r.code !== 0) o.log(`  ${o.label}: migrate exited ${r.code}: ${r.stderr.slice(-2000)}`);
    const workflowId = started?.e.workflowId as string | undefined;
    const peaks = workers.map((w) => mib(w.peakKiB()));
    const endCpu = workers.map((w) => w.cpuSeconds());
    const history = workflowId ? await historyEvents(stack.temporalAddress, workflowId) : [];
    const counters = (finished?.counters ?? {}) as { migrated?: number };
    const stopped = finished?.cancelled === true && o.stopAfterSeconds !== undefined;
    const migrated = stopped ? (counters.migrated ?? 0) : o.documents;
    return {
      label: o.label,
      documents: o.documents,
      migrated,
      ...(stopped ? { stoppedAfterSeconds: o.stopAfterSeconds } : {}),
      exitCode: r.code,
      seconds: r.seconds,
      docsPerSecond: migrated / r.seconds,
      ...(started ? { startedAfter: started.at } : {}),
      ...(firstProgress ? { firstProgressAfter: firstProgress.at } : {}),
      ...(finished ? { finished } : {}),
      workerPeakRssMiB: peaks,
      workerReadyRssMiB: readyPeaks,
      workerCpuSeconds: { ready: readyCpu, end: endCpu },
      ...(workflowId ? { workflowId } : {}),
      historyEventsPerRun: history,
      cpuProfiles: [],
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}

/** The .cpuprofile files a run's workers wrote on exit (node --cpu-prof). */
export function profilesIn(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}
