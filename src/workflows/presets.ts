/**
 * Named timeout and retry presets of the activities. Every activity heartbeats every 5 s while it runs
 * (activities/index.ts), so a dead worker is noticed within `heartbeatTimeout` and the activity moves to another
 * worker; without one, a worker killed during planPages stalled its migration for the whole startToCloseTimeout.
 * Permanent errors are never retried.
 */

import type { ActivityOptions } from '@temporalio/workflow';
import { PERMANENT_ERROR_NAMES } from '../shared/errors';

const nonRetryableErrorTypes = [...PERMANENT_ERROR_NAMES];

/** A killed worker's activity is retried elsewhere after this (six missed heartbeats). */
const heartbeatTimeout = '30s';

/** Five tries, 2 s apart at first, doubling up to a minute: prepare, the pages and compaction. */
const fiveTries = {
  initialInterval: '2s',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts: 5,
  nonRetryableErrorTypes,
} as const;

/** prepare: self-checks and counting; may wait for a slow backend but is not long. */
export const preparePreset = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout,
  retry: fiveTries,
} as const satisfies ActivityOptions;

/** planPages: a keyset query over keys and sizes. */
export const planPreset = {
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout,
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    maximumAttempts: 10,
    nonRetryableErrorTypes,
  },
} as const satisfies ActivityOptions;

/** copy/verify/delete of one page: bounded by page bytes. */
export const pagePreset = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout,
  // Eager dispatch would run pages on the worker that runs the workflow; pages belong to every worker.
  allowEagerDispatch: false,
  retry: fiveTries,
} as const satisfies ActivityOptions;

/** finish and failPage: small catalog writes that must happen eventually. */
export const bookkeepingPreset = {
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout,
  retry: {
    initialInterval: '2s',
    backoffCoefficient: 2,
    maximumInterval: '2 minutes',
    nonRetryableErrorTypes,
  },
} as const satisfies ActivityOptions;

/** compactJournal: moves an ended migration's rows a batch of pages at a time, then rewrites the journal. */
export const compactPreset = {
  startToCloseTimeout: '60 minutes',
  heartbeatTimeout,
  retry: fiveTries,
} as const satisfies ActivityOptions;

/** A page that failed all its activity retries waits this long before its next try (doubling, capped). */
export const SET_ASIDE_BACKOFF_MS = { initial: 60_000, max: 30 * 60_000 } as const;

/** Tries of a whole page (each with the activity retries above) before its documents are given up. */
export const MAX_PAGE_ATTEMPTS = 4;
