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
import { asActivityFailure } from './failures';
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
    const busy =
      takeBusyAnswersOf(deps.drivers.driverFor(input.from), deps.drivers.driverFor(input.to)) +
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
    prepare: guarded(createPrepare(deps)),
    planPages: guarded(createPlanPages(deps)),
    copyPage: guarded(metrics.observe(reportingBusy(deps, createCopyPage(deps)), pageOutcomes.copyPage)),
    verifyPage: guarded(
      metrics.observe(reportingBusy(deps, createVerifyPage(deps)), pageOutcomes.verifyPage),
    ),
    deletePage: guarded(
      metrics.observe(reportingBusy(deps, createDeletePage(deps)), pageOutcomes.deletePage),
    ),
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
