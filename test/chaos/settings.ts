/**
 * Size, fault schedule and time limits of the chaos run, from CHAOS_* environment variables. The short profile
 * (the default, part of `make test`) injects each kind of fault a few times; the full one (`make chaos`,
 * CHAOS_DOCS ≥ 20,000 unless CHAOS_PROFILE says otherwise) keeps killing workers until the migration ends.
 */

export interface ChaosSettings {
  readonly profile: 'short' | 'full';
  readonly documents: number;
  /** A worker is SIGKILLed every killMinS..killMaxS seconds, at most maxWorkerKills times (Infinity = no cap). */
  readonly killMinS: number;
  readonly killMaxS: number;
  readonly maxWorkerKills: number;
  /** Temporal and S3 restarts, spread over the migration by progress (fractions of the documents migrated). */
  readonly temporalRestarts: number;
  readonly s3Restarts: number;
  /** pg_terminate_backend rounds on the workers' catalog connections, every pgIntervalS seconds. */
  readonly pgIntervalS: number;
  readonly maxPgRounds: number;
  /**
   * TCP cuts (Toxiproxy) between worker 0 and PostgreSQL, and between worker 0 and Temporal, alternately: tcpCuts
   * cuts of tcpCutS seconds, one every tcpIntervalS seconds, while the other worker stays connected.
   */
  readonly tcpCuts: number;
  readonly tcpCutS: number;
  readonly tcpIntervalS: number;
  /**
   * Freezes (freezes.ts): `freezes` rounds, one every freezeIntervalS seconds, each arming the next point and
   * waiting up to freezeWaitS for a worker to reach it, then holding it freezeHoldS seconds (past the 15 s page
   * lease and the 30 s heartbeat timeout).
   */
  readonly freezes: number;
  readonly freezeIntervalS: number;
  readonly freezeWaitS: number;
  readonly freezeHoldS: number;
  /** Documents an Anchore-like writer on the source config rewrites during the run, one every rewriteIntervalMs. */
  readonly rewrites: number;
  readonly rewriteIntervalMs: number;
  /** The migration must end within this many minutes after it starts. */
  readonly timeoutMin: number;
  /** After a timeout, faults stop and the run waits this long more, to tell "slow" from "stuck". */
  readonly graceMin: number;
  /** Migration tuning: documents per page, pages in flight, activity slots per worker. */
  readonly pageSize: number;
  readonly pageConcurrency: number;
  readonly workerConcurrency: number;
}

function num(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = raw === 'inf' ? Infinity : Number(raw);
  if (!(value >= 0)) throw new Error(`${name} must be a non-negative number or "inf", got "${raw}"`);
  return value;
}

export function chaosSettings(): ChaosSettings {
  // Enough that the short run outlasts its three 40 s freezes: 5,000 documents moved in 42 s under faults
  // (120 docs/s, 2026-12-06) and ended before the second freeze, which proves nothing about it.
  const documents = num('CHAOS_DOCS', 16_000);
  const requested = process.env.CHAOS_PROFILE;
  if (requested !== undefined && requested !== 'short' && requested !== 'full')
    throw new Error(`CHAOS_PROFILE must be short or full, got "${requested}"`);
  const profile = requested ?? (documents >= 20_000 ? 'full' : 'short');
  const full = profile === 'full';
  const settings: ChaosSettings = {
    profile,
    documents,
    killMinS: num('CHAOS_KILL_MIN_S', 3),
    killMaxS: num('CHAOS_KILL_MAX_S', 10),
    maxWorkerKills: num('CHAOS_WORKER_KILLS', full ? Infinity : 3),
    temporalRestarts: num('CHAOS_TEMPORAL_RESTARTS', full ? 2 : 1),
    s3Restarts: num('CHAOS_S3_RESTARTS', 1),
    pgIntervalS: num('CHAOS_PG_INTERVAL_S', 20),
    maxPgRounds: num('CHAOS_PG_ROUNDS', full ? Infinity : 1),
    tcpCuts: num('CHAOS_TCP_CUTS', full ? 8 : 2),
    tcpCutS: num('CHAOS_TCP_CUT_S', 5),
    tcpIntervalS: num('CHAOS_TCP_INTERVAL_S', full ? 30 : 12),
    freezes: num('CHAOS_FREEZES', full ? 8 : 3),
    freezeIntervalS: num('CHAOS_FREEZE_INTERVAL_S', full ? 30 : 2),
    freezeWaitS: num('CHAOS_FREEZE_WAIT_S', 30),
    freezeHoldS: num('CHAOS_FREEZE_HOLD_S', 40),
    rewrites: num('CHAOS_REWRITES', full ? 300 : 40),
    rewriteIntervalMs: num('CHAOS_REWRITE_INTERVAL_MS', full ? 2_000 : 500),
    // A kill every 3–10 s stalls pages for the 30 s heartbeat timeout: 50k documents took 24 min on a busy 2-core box.
    timeoutMin: num('CHAOS_TIMEOUT_MIN', full ? 45 : 6),
    graceMin: num('CHAOS_GRACE_MIN', full ? 10 : 2),
    pageSize: num('CHAOS_PAGE_SIZE', full ? 100 : 50),
    pageConcurrency: num('CHAOS_PAGE_CONCURRENCY', full ? 32 : 24),
    workerConcurrency: num('CHAOS_WORKER_CONCURRENCY', 8),
  };
  if (settings.killMinS > settings.killMaxS)
    throw new Error('CHAOS_KILL_MIN_S must not exceed CHAOS_KILL_MAX_S');
  return settings;
}
