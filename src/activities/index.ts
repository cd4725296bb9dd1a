/**
 * createActivities(deps): every activity of the migration workflow, closed over the worker's dependencies.
 * Workflows see only the type: `proxyActivities<Activities>(preset)`.
 */
import { keepHeartbeating } from './context';
import { makeCopyPage } from './copy-page';
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
import { makeVerifyPage } from './verify-page';

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

/** Records nothing: for callers without a metrics endpoint (tests, tools). */
const unobserved: ActivityMetrics = { observe: (fn) => fn };

/** `metrics` counts and times the page activities (the worker passes the Temporal Runtime's meter). */
export function createActivities(deps: ActivityDeps, metrics: ActivityMetrics = unobserved) {
  return {
    prepare: guarded(makePrepare(deps)),
    planPages: guarded(makePlanPages(deps)),
    copyPage: guarded(metrics.observe(makeCopyPage(deps), pageOutcomes.copyPage)),
    verifyPage: guarded(metrics.observe(makeVerifyPage(deps), pageOutcomes.verifyPage)),
    deletePage: guarded(metrics.observe(makeDeletePage(deps), pageOutcomes.deletePage)),
    failPage: guarded(metrics.observe(makeFailPage(deps), pageOutcomes.failPage)),
    finish: guarded(makeFinish(deps)),
    rollbackBatch: guarded(makeRollbackBatch(deps)),
    removeUnswitchedCopies: guarded(makeRemoveUnswitchedCopies(deps)),
  };
}

/** The activity interface workflows proxy. */
export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps } from './deps';
