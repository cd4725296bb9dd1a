/**
 * The fault schedule, run while the migration goes on: SIGKILL a random worker every few seconds, restart the
 * Temporal dev server and VersityGW at set points of the migration's progress (so they always land mid-run,
 * whatever the machine's speed), and terminate the workers' catalog connections periodically. Stops when told.
 */
import type { Pool } from 'pg';
import { restartService, terminateConnections } from './services';
import type { ChaosSettings } from './settings';
import type { WorkerPool } from './workers';

export interface FaultCounts {
  workerKills: number;
  temporalRestarts: number;
  s3Restarts: number;
  pgRounds: number;
  pgConnectionsTerminated: number;
  /** Seconds each service restart took (stop + `stack.sh up` until it answered). */
  restartSeconds: number[];
}

export interface FaultContext {
  readonly settings: ChaosSettings;
  readonly workers: WorkerPool;
  readonly admin: Pool;
  readonly database: string;
  readonly applicationName: string;
  /** Fraction of the documents migrated so far (0..1). */
  progress(): Promise<number>;
  log(line: string): void;
}

/** Progress points (fractions) at which `n` restarts happen: spread over the first ~60% of the migration. */
export function restartPoints(n: number, offset: number): number[] {
  return Array.from({ length: n }, (_, i) => offset + (0.5 * i) / Math.max(1, n));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface FaultRun {
  readonly counts: FaultCounts;
  /** The error that ended a loop (a restart that failed), if any: the migration cannot go on then. */
  failure(): unknown;
  /** Ends every loop after its current fault; resolves when all have ended (rejects on a failed restart). */
  stop(): Promise<void>;
}

export function runFaults(ctx: FaultContext): FaultRun {
  const { settings: s } = ctx;
  const counts: FaultCounts = {
    workerKills: 0,
    temporalRestarts: 0,
    s3Restarts: 0,
    pgRounds: 0,
    pgConnectionsTerminated: 0,
    restartSeconds: [],
  };
  let stopped = false;
  let wake: () => void = () => undefined;
  const stoppedSignal = new Promise<void>((r) => (wake = r));
  const pause = (ms: number): Promise<void> => Promise.race([sleep(ms), stoppedSignal]);

  const killLoop = async (): Promise<void> => {
    while (!stopped && counts.workerKills < s.maxWorkerKills) {
      await pause((s.killMinS + Math.random() * (s.killMaxS - s.killMinS)) * 1000);
      if (stopped) return;
      const pid = await ctx.workers.killRandom();
      counts.workerKills++;
      ctx.log(`SIGKILL worker pid ${pid}`);
    }
  };

  // Temporal and S3 restarts, one at a time, each when the migration passes its progress point.
  const serviceLoop = async (): Promise<void> => {
    const plan = [
      ...restartPoints(s.temporalRestarts, 0.1).map((at) => ({ at, service: 'temporal' as const })),
      ...restartPoints(s.s3Restarts, 0.3).map((at) => ({ at, service: 'versitygw' as const })),
    ].sort((a, b) => a.at - b.at);
    for (const step of plan) {
      while (!stopped && (await ctx.progress()) < step.at) await pause(250);
      if (stopped) return;
      ctx.log(`restarting ${step.service} at ${Math.round(step.at * 100)}% progress`);
      counts.restartSeconds.push(await restartService(step.service));
      if (step.service === 'temporal') counts.temporalRestarts++;
      else counts.s3Restarts++;
    }
  };

  const pgLoop = async (): Promise<void> => {
    while (!stopped && counts.pgRounds < s.maxPgRounds) {
      await pause(s.pgIntervalS * 1000);
      if (stopped) return;
      const n = await terminateConnections(ctx.admin, ctx.database, ctx.applicationName);
      counts.pgRounds++;
      counts.pgConnectionsTerminated += n;
      ctx.log(`pg_terminate_backend: ${n} worker connection(s)`);
    }
  };

  let failure: unknown;
  const loops = Promise.all([killLoop(), serviceLoop(), pgLoop()]).then(
    () => undefined,
    (err: unknown) => {
      failure = err;
    },
  );
  return {
    counts,
    failure: () => failure,
    async stop() {
      stopped = true;
      wake();
      await loops;
      if (failure) throw failure;
    },
  };
}
