/**
 * createActivities(deps): every activity of the migration workflow, closed over the worker's dependencies.
 * Workflows see only the type: `proxyActivities<Activities>(preset)`.
 */
import { makeCompactJournal } from './compact-journal';
import { keepHeartbeating } from './context';
import { makeCopyPage } from './copy-page';
import { makeDeleteSwitched, makeSwitchStaged } from './cutover';
import { makeDeletePage } from './delete-page';
import type { ActivityDeps } from './deps';
import { asActivityFailure } from './failures';
import { makeFailPage } from './fail-page';
import { makeFinish } from './finish';
import { pageOutcomes, type ActivityMetrics } from './metrics';
import { makePlanPages } from './plan-pages';
import { makePrepare } from './prepare';
import { makeRemoveUnswitchedCopies } from './remove-unswitched';
import { makeRollbackBatch } from './rollback-batch';
import { makeStageDelta } from './stage-delta';
import { makeVerifyPage } from './verify-page';
import type { MigrationInput, PageBounds } from '../shared/migration';

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
    const stores = new Set([deps.drivers.driverFor(input.from), deps.drivers.driverFor(input.to)]);
    const busy =
      [...stores].reduce((n, d) => n + (d.takeBusyAnswers?.() ?? 0), 0) +
      (deps.copier?.takeBusyAnswers() ?? 0);
    return busy > 0 ? { ...result, busy } : result;
  };
  Object.defineProperty(wrapped, 'name', { value: fn.name });
  return wrapped;
}

/** Records nothing: for callers without a metrics endpoint (tests, tools). */
const unobserved: ActivityMetrics = { observe: (fn) => fn };

/** `metrics` counts and times the page activities (the worker passes the Temporal Runtime's meter). */
export function createActivities(deps: ActivityDeps, metrics: ActivityMetrics = unobserved) {
  return {
    prepare: guarded(makePrepare(deps)),
    planPages: guarded(makePlanPages(deps)),
    copyPage: guarded(metrics.observe(reportingBusy(deps, makeCopyPage(deps)), pageOutcomes.copyPage)),
    verifyPage: guarded(metrics.observe(reportingBusy(deps, makeVerifyPage(deps)), pageOutcomes.verifyPage)),
    deletePage: guarded(metrics.observe(reportingBusy(deps, makeDeletePage(deps)), pageOutcomes.deletePage)),
    failPage: guarded(metrics.observe(makeFailPage(deps), pageOutcomes.failPage)),
    finish: guarded(makeFinish(deps)),
    compactJournal: guarded(makeCompactJournal(deps)),
    rollbackBatch: guarded(makeRollbackBatch(deps)),
    removeUnswitchedCopies: guarded(makeRemoveUnswitchedCopies(deps)),
    stageDelta: guarded(makeStageDelta(deps)),
    switchStaged: guarded(makeSwitchStaged(deps)),
    deleteSwitched: guarded(makeDeleteSwitched(deps)),
  };
}

/** The activity interface workflows proxy. */
export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps } from './deps';
