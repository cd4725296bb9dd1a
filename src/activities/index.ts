/**
 * createActivities(deps): every activity of the migration workflow, closed over the worker's dependencies.
 * Workflows see only the type: `proxyActivities<Activities>(preset)`.
 */
import { createCompactJournal } from './compact-journal';
import { keepHeartbeating } from './context';
import { createCopyPage } from './copy-page';
import { createDeleteSwitched, createSwitchStaged } from './cutover';
import { createDeletePage } from './delete-page';
import type { ActivityDeps } from './deps';
import { asActivityFailure } from './activity-failure';
import { createFailPage } from './fail-page';
import { createFinish } from './finish';
import { pageOutcomes, type ActivityMetrics } from './metrics';
import { createPlanPages } from './plan-pages';
import { createPrepare } from './prepare';
import { createRemoveUnswitchedCopies } from './remove-unswitched';
import { createRollbackBatch } from './rollback-batch';
import { createStageDelta } from './stage-delta';
import { createVerifyPage } from './verify-page';
import { takeBusyAnswersOf } from '../drivers/types';
import type { MigrationInput, PageBounds, PageCounts } from '../shared/migration';
import type { DeleteCounts } from './source-deletes';
import type { VerifyCounts } from './verify-page';

/** Wraps an activity: permanent errors become non-retryable failures; heartbeats keep flowing while it runs. */
function guarded<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  const wrapped = async (...args: A): Promise<R> => {
    const stopHeartbeats = keepHeartbeating();
    try {
      return await fn(...args);
    } catch (err) {
      throw asActivityFailure(err);
    } finally {
      stopHeartbeats();
    }
  };
  Object.defineProperty(wrapped, 'name', { value: fn.name });
  return wrapped;
}

/**
 * Adds to a page activity's result the overloaded answers (S3 SlowDown) its stores gave since another activity
 * last took them, so the workflow slows the migration down for every worker. The worker's pages share drivers
 * (and its copy threads theirs): each answer is reported once, by whichever page ends first after it.
 */
function reportingBusy<R extends object>(
  deps: ActivityDeps,
  fn: (input: MigrationInput, page: PageBounds) => Promise<R>,
): (input: MigrationInput, page: PageBounds) => Promise<R & { busy?: number }> {
  const wrapped = async (input: MigrationInput, page: PageBounds): Promise<R & { busy?: number }> => {
    const result = await fn(input, page);
    const busy =
      takeBusyAnswersOf(deps.drivers.driverFor(input.from), deps.drivers.driverFor(input.to)) +
      (deps.copier?.takeBusyAnswers() ?? 0);
    return busy > 0 ? { ...result, busy } : result;
  };
  Object.defineProperty(wrapped, 'name', { value: fn.name });
  return wrapped;
}

/**
 * One round of a page in one activity: copy, verify and switch, then delete unless the migration stages. Three
 * activities per page cost the Temporal server and the worker three times the events, tasks and payloads for the
 * same work (issue 25, docs/adr/0011). Each stage keeps its own fence, journal transitions and metrics; a retry
 * starts again with copy, which skips what the journal already holds, as a recopy round does.
 */
function roundOfPage(stages: {
  copyPage: (input: MigrationInput, page: PageBounds) => Promise<PageCounts & { busy?: number }>;
  verifyPage: (input: MigrationInput, page: PageBounds) => Promise<VerifyCounts & { busy?: number }>;
  deletePage: (input: MigrationInput, page: PageBounds) => Promise<DeleteCounts & { busy?: number }>;
}) {
  return async function pageRound(input: MigrationInput, page: PageBounds): Promise<PageRoundResult> {
    const copied = await stages.copyPage(input, page);
    const verified = await stages.verifyPage(input, page);
    if (input.stage) return { copied, verified };
    return { copied, verified, deleted: await stages.deletePage(input, page) };
  };
}

/** What {@link roundOfPage} reports: each stage's result (no delete while staging). */
export interface PageRoundResult {
  readonly copied: PageCounts & { busy?: number };
  readonly verified: VerifyCounts & { busy?: number };
  readonly deleted?: DeleteCounts & { busy?: number };
}

/** Records nothing: for callers without a metrics endpoint (tests, tools). */
const unobserved: ActivityMetrics = { observe: (fn) => fn };

/** `metrics` counts and times the page activities (the worker passes the Temporal Runtime's meter). */
export function createActivities(deps: ActivityDeps, metrics: ActivityMetrics = unobserved) {
  const stages = {
    copyPage: metrics.observe(reportingBusy(deps, createCopyPage(deps)), pageOutcomes.copyPage),
    verifyPage: metrics.observe(reportingBusy(deps, createVerifyPage(deps)), pageOutcomes.verifyPage),
    deletePage: metrics.observe(reportingBusy(deps, createDeletePage(deps)), pageOutcomes.deletePage),
  };
  return {
    prepare: guarded(createPrepare(deps)),
    planPages: guarded(createPlanPages(deps)),
    pageRound: guarded(roundOfPage(stages)),
    // The stages as activities of their own: what runs recorded before pageRound still schedule.
    copyPage: guarded(stages.copyPage),
    verifyPage: guarded(stages.verifyPage),
    deletePage: guarded(stages.deletePage),
    failPage: guarded(metrics.observe(createFailPage(deps), pageOutcomes.failPage)),
    finish: guarded(createFinish(deps)),
    compactJournal: guarded(createCompactJournal(deps)),
    rollbackBatch: guarded(createRollbackBatch(deps)),
    removeUnswitchedCopies: guarded(createRemoveUnswitchedCopies(deps)),
    stageDelta: guarded(createStageDelta(deps)),
    switchStaged: guarded(createSwitchStaged(deps)),
    deleteSwitched: guarded(createDeleteSwitched(deps)),
  };
}

/** The activity interface workflows proxy. */
export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps } from './deps';
