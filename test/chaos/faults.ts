/**
 * The fault schedule, run while the migration goes on: SIGKILL a random worker every few seconds, restart the
 * Temporal dev server and VersityGW at set points of the migration's progress (so they always land mid-run,
 * whatever the machine's speed), terminate the workers' catalog connections periodically, and cut worker 0's TCP
 * connections to PostgreSQL and Temporal in turns while the other worker stays connected, and freeze a worker
 * just before a chosen statement past its lease (freezes.ts). Stops when told.
 */
import type { Pool } from 'pg';
import type { Proxy } from '../helpers/toxiproxy';
import { armFreeze, FREEZE_POINTS, type FreezePoint } from './freezes';
import { restartService, terminateConnections } from './services';
import type { ChaosSettings } from './settings';
import type { WorkerPool } from './workers';

export interface FaultCounts {
  workerKills: number;
  temporalRestarts: number;
  s3Restarts: number;
  pgRounds: number;
  pgConnectionsTerminated: number;
  /** TCP cuts of worker 0's connections to PostgreSQL and to Temporal (Toxiproxy). */
  tcpCutsPg: number;
  tcpCutsTemporal: number;
  /** Workers frozen just before each kind of statement and held past their lease; rounds no worker reached. */
  freezes: Record<FreezePoint, number>;
  freezesMissed: number;
  /** Seconds each service restart took (stop + `stack.sh up` until it answered). */
  restartSeconds: number[];
}

export interface FaultContext {
  readonly settings: ChaosSettings;
  readonly workers: WorkerPool;
  readonly admin: Pool;
  readonly database: string;
  readonly applicationName: string;
  /** Worker 0's proxies to PostgreSQL and Temporal, cut in turns. */
  readonly proxies?: { readonly pg: Proxy; readonly temporal: Proxy };
  /** The file freeze-hook.cjs watches in every worker (freezableEnv). */
  readonly freezeFile?: string;
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
    tcpCutsPg: 0,
    tcpCutsTemporal: 0,
    freezes: { switch: 0, journal: 0, delete: 0, fence: 0 },
    freezesMissed: 0,
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

  const tcpLoop = async (): Promise<void> => {
    const proxies = ctx.proxies;
    for (let i = 0; proxies && !stopped && i < s.tcpCuts; i++) {
      await pause(s.tcpIntervalS * 1000);
      if (stopped) return;
      const to = i % 2 === 0 ? 'pg' : 'temporal';
      await proxies[to].cut();
      ctx.log(`TCP cut: worker 0 ↔ ${to === 'pg' ? 'PostgreSQL' : 'Temporal'} for ${s.tcpCutS} s`);
      await sleep(s.tcpCutS * 1000);
      await proxies[to].restore();
      if (to === 'pg') counts.tcpCutsPg++;
      else counts.tcpCutsTemporal++;
    }
  };

  const freezeLoop = async (): Promise<void> => {
    const file = ctx.freezeFile;
    for (let i = 0; file && !stopped && i < s.freezes; i++) {
      await pause(s.freezeIntervalS * 1000);
      if (stopped) return;
      const point = FREEZE_POINTS[i % FREEZE_POINTS.length] ?? 'switch';
      const pid = await armFreeze(file, point, s.freezeWaitS * 1000);
      if (pid === undefined || !ctx.workers.hold(pid)) {
        counts.freezesMissed++;
        ctx.log(`freeze before ${point}: no worker of ours reached it within ${s.freezeWaitS} s`);
        continue;
      }
      ctx.log(`worker pid ${pid} frozen just before ${point}; held ${s.freezeHoldS} s, past its lease`);
      await sleep(s.freezeHoldS * 1000);
      ctx.workers.release(pid);
      counts.freezes[point]++;
    }
  };

  let failure: unknown;
  const loops = Promise.all([killLoop(), serviceLoop(), pgLoop(), tcpLoop(), freezeLoop()]).then(
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
