/**
 * migrateStore: one workflow per migration. prepare → pages (keyset, bounded by count and bytes, planned ahead
 * of the work) → per page copy → verify+switch → delete, with a sliding window of `concurrency` pages in flight.
 * A page that fails all its retries is set aside and retried later, so it never blocks the window. The run
 * continues-as-new (after draining in-flight pages and handlers) every `pagesPerRun` pages or when the server
 * suggests it. Only boundaries and counts travel through history: never documents, key lists or secrets.
 */
import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { DeleteCounts } from '../activities/source-deletes';
import {
  SA,
  throttleProblem,
  type CarriedState,
  type Counters,
  type MigrationInput,
  type MigrationPhase,
  type MigrationResult,
  type MovedBytes,
  type PageBounds,
  type Progress,
  type StagingState,
} from '../shared/migration';
import {
  cancelUpdate,
  cutoverUpdate,
  pauseUpdate,
  progressQuery,
  resumeUpdate,
  throttleUpdate,
} from '../shared/messages';
import { cutOnBusy, effectiveThrottle, recoverAfterCleanPage } from './adaptive-limit';
import { failureMessage, isPermanentFailure } from './failures';
import { progressDetails } from './details';
import {
  afterPageError,
  breakerAfterSetAside,
  recentRate,
  withSample,
  type RateSample,
  breakerAllowsStart,
  breakerReason,
  causeOf,
  controlRefusal,
  emptyBuckets,
  nextProbeAt,
  planningRetryMs,
  probeStarted,
  rateWaitMs,
  refilled,
  setAsideBackoffMs,
  spent,
  withoutCredit,
} from './page-scheduler';
import { bookkeepingPreset, compactPreset, pagePreset, planPreset, preparePreset } from './presets';
import {
  acceptCutover,
  cutoverRanges,
  cutoverInput,
  cutoverRefusal,
  DELTA_PAGES_PER_CALL,
  PASSES_PER_RUN,
  stagingPhase,
  stagingProgress,
  startStaging,
  sweepsThisPass,
} from './staging';

const { prepare } = wf.proxyActivities<Activities>(preparePreset);
const { planPages } = wf.proxyActivities<Activities>(planPreset);
const { finish, failPage } = wf.proxyActivities<Activities>(bookkeepingPreset);
const { compactJournal } = wf.proxyActivities<Activities>(compactPreset);
const { removeUnswitchedCopies, stageDelta, switchStaged, deleteSwitched } =
  wf.proxyActivities<Activities>(pagePreset);

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Patch: a transient cause sets a page aside for as long as it takes, never fails it (issue 20, scenario 6). */
const TRANSIENT_NOT_FINAL = 'transient-not-final';
/** Patch: planning that failed for a transient cause is retried instead of ending the migration. */
const RETRY_PLANNING = 'retry-planning';
/** Patch: the rate limiter is a token bucket that banks no credit over a pause (issue 20, deliver 7). */
const TOKEN_BUCKET = 'token-bucket';
/** Patch: repeated set-asides with one cause open a circuit breaker that probes (issue 20, deliver 6). */
const CIRCUIT_BREAKER = 'circuit-breaker';
/** Patch of the rounds that copy documents Anchore rewrote mid-run again (issue 20, scenario 4). */
const RECOPY_STALE = 'recopy-stale';
/** Patch: overloaded answers of the stores cut the migration's rate, AIMD (issue 22, deliver 4). */
const ADAPTIVE_LIMIT = 'adaptive-limit';
/** Patch: a cancel or a fatal stop removes its own unswitched copies before finishing (issue 20, deliver 4). */
const CLEAN_AFTER_STOP = 'clean-after-stop';
/** Patch: an ended migration's moved documents are compacted out of the journal (issue 25, docs/adr/0008). */
const COMPACT_JOURNAL = 'compact-journal';
/** Patch: a page's round (copy, verify, delete) is one activity instead of three (issue 25, docs/adr/0011). */
const ONE_ACTIVITY_PER_ROUND = 'one-activity-per-round';
/** Journal rows per clean-up batch after a stop. */
const CLEANUP_BATCH = 500;
/** Extra rounds of a page with rewritten documents before it is set aside like a page that failed. */
const RECOPY_ROUNDS = 3;

const staleReason = (page: PageBounds, n: number): string =>
  `${n} document(s) of page ${page.index} kept being rewritten by Anchore while they were moved; is Anchore ` +
  'running against this catalog? (objectstorage migrate checks it unless --force) The page is retried later.';

/** A page's round as runs recorded before {@link ONE_ACTIVITY_PER_ROUND} schedule it: an activity per stage. */
async function roundInThreeActivities(acts: Activities, at: MigrationInput, page: PageBounds) {
  const copied = await acts.copyPage(at, page);
  const verified = await acts.verifyPage(at, page);
  // A staged round never deletes: no row points anywhere new yet.
  const deleted = at.stage ? { deleted: 0, stale: 0 } : deleteCountsOf(await acts.deletePage(at, page));
  return { copied, verified, deleted };
}

/** Results recorded before deletePage returned {@link DeleteCounts} are a count of deleted sources. */
const deleteCountsOf = (r: DeleteCounts | number): DeleteCounts =>
  typeof r === 'number' ? { deleted: r, stale: 0 } : r;

const ZERO: Counters = {
  total: 0,
  totalBytes: 0,
  migrated: 0,
  migratedBytes: 0,
  migratedDestBytes: 0,
  migratedLogicalBytes: 0,
  logicalUnknown: 0,
  failed: 0,
  pagesDone: 0,
};

export async function migrateStore(
  started: MigrationInput,
  carried?: CarriedState,
): Promise<MigrationResult> {
  // A staged migration's cutover runs on with the cutover's choices (no staging, its own nodelete and watch).
  let input = carried?.staging?.cutover ? cutoverInput(started, carried.staging.cutover) : started;
  const st: Mutable<CarriedState> = carried
    ? { ...carried, runs: carried.runs + 1 }
    : {
        prepared: { total: 0, totalBytes: 0, buckets: [] },
        counters: ZERO,
        exhausted: false,
        nextPageIndex: 0,
        planned: [],
        setAside: [],
        throttle: input.throttle,
        paused: false,
        cancelled: false,
        startedAt: Date.now(),
        runs: 1,
        ...(input.stage ? { staging: startStaging(undefined, Date.now()) } : {}),
      };
  /** The phase once prepared: a staged migration stages, then cuts over. */
  const workingPhase = (): MigrationPhase => (st.staging ? stagingPhase(st.staging) : 'migrating');
  let phase: MigrationPhase = carried ? workingPhase() : 'preparing';
  let fatal: string | undefined;
  let wake = 0;
  const inFlight = new Map<number, Promise<void>>();
  let planning: Promise<void> | undefined;
  /** Set while planning waits to be tried again after a transient failure. */
  let planRetry: { failures: number; at: number; reason: string } | undefined;
  let startedThisRun = 0;
  let passesThisRun = 0;
  let stoppedBy: string | undefined;
  // This run's samples of the migrated count (a new run starts the window again).
  let rateSamples: RateSample[] = [{ at: Date.now(), migrated: doneCount(st.counters) }];
  const rate = { since: Date.now(), docs: 0, bytes: 0 };

  const progress = (): Progress => {
    // The last minute's rate, so a throttle or a pause shows at once (not the average since the start).
    const docsPerSecond = recentRate(rateSamples, Date.now(), doneCount(st.counters));
    const left = st.counters.total - doneCount(st.counters) - st.counters.failed;
    const paused = st.paused && (phase === 'migrating' || phase === 'staging' || phase === 'cutover');
    return {
      taskId: input.taskId,
      phase: paused ? 'paused' : phase,
      counters: st.counters,
      inFlightPages: inFlight.size,
      setAsidePages: st.setAside.length,
      throttle: st.throttle,
      docsPerSecond: Math.round(docsPerSecond * 10) / 10,
      ...(docsPerSecond > 0 && left > 0 && !paused ? { etaSeconds: Math.round(left / docsPerSecond) } : {}),
      runs: st.runs,
      ...(waitingFor() ? { waitingFor: waitingFor() } : {}),
      ...(stoppedBy ? { stoppedBy } : {}),
      ...(st.adaptive ? { adaptive: st.adaptive } : {}),
      ...(st.staging ? { staging: stagingProgress(st.staging, docsPerSecond) } : {}),
    };
  };
  /** Why the migration is held back, if it is: planning waiting to retry, or the latest set-aside page's error. */
  const waitingFor = (): string | undefined => {
    if (st.paused && st.pausedBecause) return st.pausedBecause;
    if (planRetry) return planRetry.reason;
    const last = st.setAside[st.setAside.length - 1];
    if (st.breaker?.open) return breakerReason(st.breaker, last?.lastError, Date.now());
    return (
      last &&
      `page ${last.page.index} set aside (try ${last.attempts + 1} at ${new Date(last.retryAt).toISOString()}): ${last.lastError}`.slice(
        0,
        500,
      )
    );
  };
  const publish = (): void => {
    const p = progress();
    wf.upsertSearchAttributes([
      { key: SA.phase, value: p.phase },
      { key: SA.total, value: st.counters.total },
      { key: SA.migrated, value: st.counters.migrated },
      { key: SA.failed, value: st.counters.failed },
      { key: SA.bytesTotal, value: st.counters.totalBytes },
      { key: SA.bytesMigrated, value: st.counters.migratedBytes },
    ]);
    wf.setCurrentDetails(progressDetails(input, st.prepared.buckets, p));
  };
  const bump = (): void => {
    wake += 1;
  };

  wf.setHandler(progressQuery, progress);
  wf.setHandler(
    pauseUpdate,
    () => {
      st.paused = true;
      bump();
      publish();
      return progress();
    },
    {
      validator: () =>
        assertNot(controlRefusal(phase, 'pause') ?? st.cancelled, 'the migration is being cancelled'),
    },
  );
  wf.setHandler(resumeUpdate, () => {
    st.paused = false;
    st.pausedBecause = undefined;
    if (st.rate) st.rate = withoutCredit(st.rate, Date.now());
    bump();
    publish();
    return progress();
  });
  wf.setHandler(
    throttleUpdate,
    (t) => {
      st.throttle = {
        concurrency: t.concurrency ?? st.throttle.concurrency,
        maxDocsPerSecond: t.maxDocsPerSecond ?? st.throttle.maxDocsPerSecond,
        maxBytesPerSecond: t.maxBytesPerSecond ?? st.throttle.maxBytesPerSecond,
      };
      Object.assign(rate, { since: Date.now(), docs: 0, bytes: 0 });
      if (st.rate) st.rate = withoutCredit(st.rate, Date.now());
      bump();
      publish();
      return progress();
    },
    { validator: (t) => assertNot(throttleProblem(t ?? {}), '') },
  );

  const requestCancel = (): Progress => {
    st.cancelled = true;
    phase = 'cancelling';
    bump();
    publish();
    return progress();
  };
  wf.setHandler(cancelUpdate, requestCancel, {
    validator: () => assertNot(controlRefusal(phase, 'cancel'), ''),
  });
  wf.setHandler(
    cutoverUpdate,
    (req) => {
      const staging = st.staging as StagingState;
      if (!staging.cutover) {
        st.staging = { ...staging, cutover: acceptCutover(req, Date.now()) };
        input = cutoverInput(input, st.staging.cutover as NonNullable<StagingState['cutover']>);
        // The operator stopped Anchore for this: a paused staging goes on as the cutover.
        st.paused = false;
        st.pausedBecause = undefined;
        phase = 'cutover';
      }
      bump();
      publish();
      return progress();
    },
    { validator: (_req) => assertNot(cutoverRefusal(st.staging, phase, st.cancelled, started.taskId), '') },
  );
  // A Temporal cancellation (UI button, `temporal workflow cancel`) is handled like the cancel update: the work
  // below runs in a non-cancellable scope, so in-flight pages finish, nothing is left half-moved and finish()
  // records the outcome, instead of activities being abandoned mid-page.
  wf.CancellationScope.current().cancelRequested.catch(() => requestCancel());
  return wf.CancellationScope.nonCancellable(migrate);

  async function migrate(): Promise<MigrationResult> {
    if (!carried) {
      publish();
      try {
        st.prepared = await prepare(input);
      } catch (err) {
        return end(failureMessage(err));
      }
      st.counters = { ...ZERO, total: st.prepared.total, totalBytes: st.prepared.totalBytes };
      if (st.staging) st.staging = startStaging(st.prepared.catalogTime, Date.now());
    }
    phase = workingPhase();
    publish();

    const countPage = (delta: {
      migrated?: number;
      kept?: number;
      bytes?: MovedBytes;
      failed?: number;
      pagesDone?: number;
      staged?: number;
    }) => {
      const c = st.counters;
      const b = delta.bytes;
      st.counters = {
        ...c,
        migrated: c.migrated + (delta.migrated ?? 0),
        migratedBytes: c.migratedBytes + (b?.source ?? 0),
        migratedDestBytes: (c.migratedDestBytes ?? 0) + (b?.dest ?? 0),
        migratedLogicalBytes: (c.migratedLogicalBytes ?? 0) + (b?.logical ?? 0),
        logicalUnknown: (c.logicalUnknown ?? 0) + (b?.logicalUnknown ?? 0),
        failed: c.failed + (delta.failed ?? 0),
        pagesDone: c.pagesDone + (delta.pagesDone ?? 0),
        ...(delta.kept || c.sourcesKept ? { sourcesKept: (c.sourcesKept ?? 0) + (delta.kept ?? 0) } : {}),
        ...(delta.staged || c.staged ? { staged: (c.staged ?? 0) + (delta.staged ?? 0) } : {}),
      };
      rateSamples = withSample(rateSamples, { at: Date.now(), migrated: doneCount(st.counters) });
    };

    /**
     * Overloaded answers of the stores (S3 SlowDown) cut the rate for every worker; clean pages let it recover.
     * Only a history that met an overload asks for the patch, so the others replay unchanged.
     */
    const learnRate = (busy: number): void => {
      if (busy > 0 && wf.patched(ADAPTIVE_LIMIT)) {
        st.adaptive = cutOnBusy(st.adaptive, busy, st.throttle, Date.now());
        publish();
      } else if (busy === 0 && st.adaptive) {
        st.adaptive = recoverAfterCleanPage(st.adaptive, st.throttle);
      }
    };

    /**
     * One round of a page: copy, verify and switch, delete; returns the documents found rewritten (stale) and
     * adds the stores' overloaded answers to `tally`.
     */
    const pageRound = async (
      acts: Activities,
      page: PageBounds,
      tally: { busy: number },
    ): Promise<number> => {
      // The input as the round began: a cutover accepted meanwhile applies from the next round on.
      const at = input;
      const { copied, verified, deleted } = wf.patched(ONE_ACTIVITY_PER_ROUND)
        ? await acts.pageRound(at, page).then((r) => ({
            ...r,
            deleted: r.deleted ?? { deleted: 0, stale: 0 },
          }))
        : await roundInThreeActivities(acts, at, page);
      tally.busy += (copied.busy ?? 0) + (verified.busy ?? 0) + (deleted.busy ?? 0);
      countPage({
        migrated: at.stage ? 0 : at.nodelete ? verified.switched : deleted.deleted + (deleted.kept ?? 0),
        kept: deleted.kept ?? 0,
        // Only verified copies count, in the same units as the total (stored bytes at the source).
        bytes: at.stage ? undefined : at.nodelete ? verified.bytes : deleted.bytes,
        failed: copied.failed + verified.failed,
        staged: verified.staged ?? 0,
      });
      return (verified.stale ?? 0) + deleted.stale;
    };

    const setAside = (page: PageBounds, attempts: number, lastError: string): void => {
      const retryAt = Date.now() + setAsideBackoffMs(attempts);
      st.setAside = [...st.setAside, { page, attempts: attempts + 1, retryAt, lastError }];
    };

    const runPage = async (page: PageBounds, attempts: number): Promise<void> => {
      const acts = wf.proxyActivities<Activities>({ ...pagePreset, summary: pageSummary(page) });
      const tally = { busy: 0 };
      try {
        let stale = await pageRound(acts, page, tally);
        // Only a page with rewritten documents asks for the patch, so histories from before it replay unchanged.
        for (let round = 0; stale > 0 && wf.patched(RECOPY_STALE) && round < RECOPY_ROUNDS; round++) {
          stale = await pageRound(acts, page, tally);
        }
        learnRate(tally.busy);
        // The page reached the stores: whatever held pages back has passed.
        st.breaker = undefined;
        if (stale > 0) {
          setAside(page, attempts, staleReason(page, stale));
        } else {
          countPage({ pagesDone: 1 });
        }
      } catch (err) {
        const overloaded = failureMessage(err).startsWith('StorageBusyError');
        if (overloaded || tally.busy > 0) learnRate(Math.max(tally.busy, overloaded ? 1 : 0));
        const decision = afterPageError(
          isPermanentFailure(err),
          attempts,
          () => !wf.patched(TRANSIENT_NOT_FINAL),
        );
        if (decision.kind === 'fatal') {
          fatal ??= failureMessage(err);
        } else if (decision.kind === 'fail') {
          try {
            countPage({ failed: await failPage(input, page, failureMessage(err)), pagesDone: 1 });
          } catch (failErr) {
            fatal ??= failureMessage(failErr);
          }
        } else {
          setAside(page, attempts, failureMessage(err));
          // Only a breaker about to open asks for the patch, so histories from before it replay unchanged.
          st.breaker = breakerAfterSetAside(
            st.breaker,
            causeOf(failureMessage(err)),
            page.index,
            Date.now(),
            () => wf.patched(CIRCUIT_BREAKER),
          );
        }
      }
    };

    const planAhead = (): void => {
      if (planning || st.exhausted || st.planned.length > st.throttle.concurrency) return;
      if (planRetry && Date.now() < planRetry.at) return;
      const pages = Math.max(4, st.throttle.concurrency * 2);
      planning = planPages(input, st.cursor, st.nextPageIndex, pages).then(
        (planned) => {
          st.planned = [...st.planned, ...planned.pages];
          st.nextPageIndex += planned.pages.length;
          if (planned.cursor) st.cursor = planned.cursor;
          st.exhausted = planned.exhausted;
          planning = undefined;
          planRetry = undefined;
          if (planned.anchoreLive?.length && !st.paused) pauseForAnchore(planned.anchoreLive);
          bump();
        },
        (err: unknown) => {
          // Only a failed planning asks for the patch, so histories from before it replay unchanged.
          if (!isPermanentFailure(err) && wf.patched(RETRY_PLANNING)) {
            const failures = (planRetry?.failures ?? 0) + 1;
            const at = Date.now() + planningRetryMs(failures);
            planRetry = { failures, at, reason: `planning pages failed (${failureMessage(err)}); retrying` };
            publish();
          } else {
            fatal ??= failureMessage(err);
          }
          planning = undefined;
          bump();
        },
      );
    };

    /** The next page to start: a set-aside page whose retry time has come, else the next planned one. */
    const nextCandidate = (): { page: PageBounds; attempts: number; setAside: boolean } | undefined => {
      const due = st.setAside.find((s) => s.retryAt <= Date.now());
      if (due) return { page: due.page, attempts: due.attempts, setAside: true };
      const next = st.planned[0];
      return next ? { page: next, attempts: 0, setAside: false } : undefined;
    };
    const take = (c: { page: PageBounds; setAside: boolean }): void => {
      if (c.setAside) st.setAside = st.setAside.filter((s) => s.page.index !== c.page.index);
      else st.planned = st.planned.slice(1);
    };

    /** Anchore is back (a watched migration): pause until the operator resumes, saying why. */
    const pauseForAnchore = (live: readonly string[]): void => {
      st.paused = true;
      st.pausedBecause =
        `paused: Anchore services heartbeat again (${live.slice(0, 5).join(', ')}), and documents they write ` +
        `while we move them could be lost. Stop them, then resume: objectstorage resume ${input.taskId}`;
      publish();
    };

    const tokenBucket = wf.patched(TOKEN_BUCKET);
    const rateDelay = (page: PageBounds): number => {
      if (tokenBucket) {
        st.rate = refilled(st.rate ?? emptyBuckets(Date.now()), st.throttle, Date.now());
        return rateWaitMs(st.rate, st.throttle);
      }
      const t = st.throttle;
      const spent = Date.now() - rate.since;
      const byDocs =
        t.maxDocsPerSecond > 0 ? ((rate.docs + page.documents) / t.maxDocsPerSecond) * 1000 - spent : 0;
      const byBytes =
        t.maxBytesPerSecond > 0 ? ((rate.bytes + page.bytes) / t.maxBytesPerSecond) * 1000 - spent : 0;
      return Math.max(0, byDocs, byBytes);
    };

    const stopping = (): boolean => st.cancelled || fatal !== undefined;
    const runFull = (): boolean =>
      startedThisRun >= input.pagesPerRun || wf.workflowInfo().continueAsNewSuggested;

    for (;;) {
      planAhead();
      while (
        !st.paused &&
        !stopping() &&
        !runFull() &&
        inFlight.size < effectiveThrottle(st.throttle, st.adaptive).concurrency
      ) {
        if (!breakerAllowsStart(st.breaker, Date.now())) break;
        const next = nextCandidate();
        if (!next) break;
        const delay = rateDelay(next.page);
        if (delay > 0) {
          const seen = wake;
          // Wait out the rate limit (or an update), then look again: the window may start this page now.
          await wf.condition(() => wake !== seen, Math.ceil(delay));
          continue;
        }
        take(next);
        st.breaker = probeStarted(st.breaker, next.page.index);
        rate.docs += next.page.documents;
        rate.bytes += next.page.bytes;
        if (tokenBucket && st.rate)
          st.rate = spent(st.rate, st.throttle, next.page.documents, next.page.bytes);
        startedThisRun += 1;
        const index = next.page.index;
        inFlight.set(
          index,
          runPage(next.page, next.attempts).finally(() => {
            inFlight.delete(index);
            publish();
            bump();
          }),
        );
        planAhead();
      }

      const idle = inFlight.size === 0 && !planning;
      const noWork = st.exhausted && st.planned.length === 0 && st.setAside.length === 0;
      if (idle && noWork && !stopping() && st.staging) {
        const turn = await stagingTurn(st.staging);
        if (turn === 'again') continue;
        if (turn === 'continueAsNew') {
          await wf.condition(wf.allHandlersFinished);
          return wf.continueAsNew<typeof migrateStore>(input, { ...st });
        }
      }
      if (idle && (stopping() || noWork)) break;
      if (idle && runFull() && !st.paused) {
        await wf.condition(wf.allHandlersFinished);
        return wf.continueAsNew<typeof migrateStore>(input, { ...st });
      }
      const seen = wake;
      const probeAt = nextProbeAt(st.breaker);
      const retryTimes = [
        ...st.setAside.map((s) => s.retryAt),
        ...(planRetry ? [planRetry.at] : []),
        ...(probeAt !== undefined ? [probeAt] : []),
      ];
      const nextRetry = retryTimes.length > 0 ? Math.min(...retryTimes) - Date.now() : undefined;
      const nothingElseWakes = inFlight.size === 0 && st.planned.length === 0 && !planning;
      if (nextRetry !== undefined && (nothingElseWakes || probeAt !== undefined)) {
        await wf.condition(() => wake !== seen, Math.max(1, nextRetry));
      } else {
        await wf.condition(() => wake !== seen);
      }
    }
    return end(fatal);

    /**
     * What a staged migration does once its pages are done: wait for the next delta pass and run it (its pages
     * then run like any), or take the cutover's next step. `end` when the cutover is through.
     */
    async function stagingTurn(s: StagingState): Promise<'again' | 'end' | 'continueAsNew'> {
      if (s.cutover) return cutoverTurn(s);
      const seen = wake;
      if (st.paused) {
        await wf.condition(() => wake !== seen);
        return 'again';
      }
      if (passesThisRun >= PASSES_PER_RUN || wf.workflowInfo().continueAsNewSuggested) return 'continueAsNew';
      if (Date.now() < s.nextPassAt) {
        await wf.condition(() => wake !== seen, Math.max(1, s.nextPassAt - Date.now()));
        return 'again';
      }
      const passStarted = Date.now();
      const pass = await retrying('a delta pass', () =>
        stageDelta(input, {
          ...(s.since === undefined ? {} : { since: s.since }),
          firstIndex: st.nextPageIndex,
          pages: DELTA_PAGES_PER_CALL,
          sweep: sweepsThisPass(s),
        }),
      );
      if (!pass) return 'again';
      passesThisRun += 1;
      const found = pass.pages.reduce(
        (n, p) => ({ documents: n.documents + p.documents, bytes: n.bytes + p.bytes }),
        {
          documents: 0,
          bytes: 0,
        },
      );
      st.planned = [...st.planned, ...pass.pages];
      st.nextPageIndex += pass.pages.length;
      const now = Date.now();
      const every = (started.stage?.passEverySeconds ?? 30) * 1000;
      // As it is now: a cutover accepted while the pass ran is kept.
      const current = st.staging as StagingState;
      st.staging = {
        ...current,
        // A pass cut short by its page limit goes on from the same point at once.
        ...(pass.more ? {} : { since: pass.startedAt, passes: current.passes + 1, lastPassAt: now }),
        nextPassAt: pass.more ? now : now + every,
        lastDelta: {
          documents: found.documents,
          bytes: found.bytes,
          dropped: pass.dropped,
          passMs: now - passStarted,
        },
        staged: pass.staged,
      };
      st.counters = {
        ...st.counters,
        staged: pass.staged.documents,
        total: pass.staged.documents + found.documents + st.counters.failed,
        totalBytes: pass.staged.bytes + found.bytes,
      };
      publish();
      return 'again';
    }

    /**
     * The cutover's steps, each once the pages before it are done: count what is there (drain), switch every
     * staged row in bulk (switch), migrate what is still at the source (rest, pages like migrate's), then, outside
     * the offline window, remove the copies of deleted documents (sweep) and delete the sources (delete).
     */
    async function cutoverTurn(s: StagingState): Promise<'again' | 'end'> {
      const c = s.cutover as NonNullable<StagingState['cutover']>;
      const step = (next: Partial<NonNullable<StagingState['cutover']>>): 'again' => {
        st.staging = { ...(st.staging as StagingState), cutover: { ...c, ...next } };
        publish();
        return 'again';
      };
      if (c.step === 'drain') {
        const prepared = await retrying('counting before the switch', () => prepare(input));
        if (!prepared) return 'again';
        // Pages the drain ran (in cutover mode) have already moved some: they count with what is still there.
        const c0 = st.counters;
        st.counters = {
          ...ZERO,
          migrated: c0.migrated,
          migratedBytes: c0.migratedBytes,
          migratedDestBytes: c0.migratedDestBytes ?? 0,
          migratedLogicalBytes: c0.migratedLogicalBytes ?? 0,
          logicalUnknown: c0.logicalUnknown ?? 0,
          failed: c0.failed,
          total: prepared.total + c0.migrated,
          totalBytes: prepared.totalBytes + c0.migratedBytes,
        };
        // The rate from here on counts migrated documents only.
        rateSamples = [{ at: Date.now(), migrated: c0.migrated }];
        return step({ step: 'switch', drainedAt: Date.now() });
      }
      // Disjoint ranges of pages at once, each under its own pages' fences; a range done twice finds nothing.
      const ranges = cutoverRanges(c.nextPage ?? 0, st.nextPageIndex);
      const to = (ranges[ranges.length - 1] as { to: number }).to;
      if (c.step === 'switch') {
        const batches = await retrying('the bulk switch', () =>
          Promise.all(ranges.map((r) => switchStaged(input, r))),
        );
        if (!batches) return 'again';
        let switched = 0;
        for (const b of batches) {
          if (input.nodelete) countPage({ migrated: b.switched, bytes: b.bytes });
          countPage({ failed: b.failed });
          switched += b.switched;
        }
        if (to < st.nextPageIndex) return step({ bulkSwitched: c.bulkSwitched + switched, nextPage: to });
        // What is still at the source (never staged, changed since, or staged pages the drain ran) moves now.
        st.cursor = undefined;
        st.exhausted = false;
        return step({
          step: 'rest',
          bulkSwitched: c.bulkSwitched + switched,
          nextPage: 0,
          bulkSwitchedAt: Date.now(),
        });
      }
      if (c.step === 'rest') return step({ step: 'sweep', switchedAt: Date.now() });
      if (c.step === 'sweep') {
        const pass = await retrying('removing copies of deleted documents', () =>
          stageDelta(input, { firstIndex: st.nextPageIndex, pages: 0, sweep: true }),
        );
        if (!pass) return 'again';
        if (input.nodelete) return 'end';
        return step({ step: 'delete' });
      }
      const batches = await retrying('deleting the sources', () =>
        Promise.all(ranges.map((r) => deleteSwitched(input, r))),
      );
      if (!batches) return 'again';
      for (const b of batches)
        countPage({ migrated: b.deleted + (b.kept ?? 0), kept: b.kept ?? 0, bytes: b.bytes });
      return to < st.nextPageIndex ? step({ nextPage: to }) : 'end';
    }

    /**
     * Runs a staging or cutover activity: a permanent failure stops the migration, a transient one is tried again
     * after a while, saying so (undefined then; the caller comes back).
     */
    async function retrying<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
      try {
        const result = await fn();
        planRetry = undefined;
        return result;
      } catch (err) {
        if (isPermanentFailure(err)) {
          fatal ??= failureMessage(err);
          return undefined;
        }
        const failures = (planRetry?.failures ?? 0) + 1;
        const at = Date.now() + planningRetryMs(failures);
        planRetry = { failures, at, reason: `${what} failed (${failureMessage(err)}); retrying` };
        publish();
        const seen = wake;
        await wf.condition(() => wake !== seen || stopping(), Math.max(1, at - Date.now()));
        return undefined;
      }
    }
  }

  async function end(error: string | undefined): Promise<MigrationResult> {
    phase = 'finishing';
    publish();
    if ((st.cancelled || error !== undefined) && wf.patched(CLEAN_AFTER_STOP)) await removeOwnCopiesOf(input);
    const finished = await finish(input, st.counters, {
      cancelled: st.cancelled,
      ...(error ? { error } : {}),
    });
    const cut = st.staging?.cutover;
    const result: MigrationResult =
      cut?.switchedAt === undefined
        ? finished
        : {
            ...finished,
            cutover: {
              offlineWindowMs: cut.switchedAt - cut.acceptedAt,
              bulkSwitched: cut.bulkSwitched,
              ...(cut.drainedAt && cut.bulkSwitchedAt
                ? {
                    drainMs: cut.drainedAt - cut.acceptedAt,
                    bulkSwitchMs: cut.bulkSwitchedAt - cut.drainedAt,
                    restMs: cut.switchedAt - cut.bulkSwitchedAt,
                  }
                : {}),
            },
          };
    if (wf.patched(COMPACT_JOURNAL)) await compactQuietly(input);
    st.counters = result.counters;
    stoppedBy = result.stopReason;
    phase = 'done';
    publish();
    await wf.condition(wf.allHandlersFinished);
    return result;
  }
}

/** The migration's outcome is written already: a compaction that keeps failing leaves the rows where they are. */
async function compactQuietly(input: MigrationInput): Promise<void> {
  try {
    await compactJournal(input);
  } catch (err) {
    wf.log.warn('the journal was not compacted; its rows stay where they are', {
      error: failureMessage(err),
    });
  }
}

/**
 * After a stop, the copies of set-aside pages are removed (under each page's fence, only where no row points at
 * them). When the destination refuses (the stop's own cause, often), they stay journaled and finish counts them.
 */
async function removeOwnCopiesOf(input: MigrationInput): Promise<void> {
  try {
    while ((await removeUnswitchedCopies(input, CLEANUP_BATCH)).remaining);
  } catch {
    // finish reports what is left; the stop's cause is already the migration's error.
  }
}

/** Documents done: migrated, or staged for the cutover (what the rate and the ETA count). */
function doneCount(c: Counters): number {
  return c.migrated + (c.staged ?? 0);
}

/** Validator helper: throws (rejecting the update before it reaches history) when `problem` is set. */
function assertNot(problem: string | boolean | undefined, message: string): void {
  if (problem) throw new Error(typeof problem === 'string' ? problem : message);
}

function pageSummary(page: PageBounds): string {
  const key = (k?: { bucket: string; archiveId: string }): string =>
    k ? `${k.bucket}/${k.archiveId}` : 'start';
  return `page ${page.index}: ${page.documents} docs after ${key(page.after)} to ${key(page.last)}`.slice(
    0,
    200,
  );
}
