/**
 * The decisions of a staged migration (docs/adr/0006) that depend on nothing but its state: when a delta pass
 * also sweeps deleted documents, what a cutover would still copy, whether a cutover may begin, and the input the
 * cutover runs with. Pure, so they are unit-tested; migrate-store.ts feeds them and obeys.
 */
import type {
  CutoverRequest,
  CutoverState,
  MigrationInput,
  MigrationPhase,
  Progress,
  StagingState,
} from '../shared/migration';
import { controlRefusal } from './page-scheduler';

/** Every this many passes a pass also looks for staged documents Anchore deleted (the cutover always does). */
export const SWEEP_EVERY_PASSES = 10;
/** Delta pages one pass call cuts at most; a larger delta takes more calls of the same pass. */
export const DELTA_PAGES_PER_CALL = 50;
/** Passes per workflow run before continue-as-new: a quiet staging of days keeps each history short. */
export const PASSES_PER_RUN = 100;
/** Pages per call of the cutover's bulk switch (one transaction) and of its deletes. */
export const CUTOVER_PAGES = 20;
/** Calls of the bulk switch (and of the deletes) at once: one per core of a small catalog database. */
export const CUTOVER_PARALLEL = 2;

/** The page ranges of the cutover's next calls from page `from`, up to `end` (one past the last page). */
export function cutoverRanges(from: number, end: number): Array<{ from: number; to: number }> {
  const ranges: Array<{ from: number; to: number }> = [];
  for (let k = 0; k < CUTOVER_PARALLEL; k++) {
    const start = from + k * CUTOVER_PAGES;
    if (k > 0 && start >= end) break;
    ranges.push({ from: start, to: start + CUTOVER_PAGES });
  }
  return ranges;
}

/** A fresh staging state, the first pass looking from the catalog time prepare saw before counting. */
export function startStaging(catalogTime: number | undefined, now: number): StagingState {
  return {
    ...(catalogTime === undefined ? {} : { since: catalogTime }),
    passes: 0,
    nextPassAt: now,
    staged: { documents: 0, bytes: 0 },
  };
}

/** Whether pass number `passes + 1` also sweeps (the first does, then every SWEEP_EVERY_PASSES). */
export function sweepsThisPass(s: StagingState): boolean {
  return s.passes % SWEEP_EVERY_PASSES === 0;
}

/** The input the cutover runs with: a plain migration of what is left, with the cutover's own choices. */
export function cutoverInput(input: MigrationInput, c: CutoverState): MigrationInput {
  const rest = { ...input, nodelete: c.nodelete, watchAnchore: c.watchAnchore };
  delete (rest as { stage?: unknown }).stage;
  return rest;
}

/** The cutover state once `req` is accepted at `now`. */
export function acceptCutover(req: CutoverRequest, now: number): CutoverState {
  return {
    acceptedAt: now,
    nodelete: req.nodelete,
    watchAnchore: !req.force,
    step: 'drain',
    bulkSwitched: 0,
  };
}

/** Why a cutover cannot begin now, or undefined when it can. */
export function cutoverRefusal(
  s: StagingState | undefined,
  phase: MigrationPhase,
  cancelled: boolean,
  taskId: number,
): string | undefined {
  if (!s)
    return `migration ${taskId} was started by migrate, not stage: it switches as it goes and has nothing to cut over`;
  const stopped = controlRefusal(phase, 'cut over');
  if (stopped) return stopped;
  if (cancelled) return `migration ${taskId} is being cancelled`;
  if (s.passes === 0)
    return (
      `the first staging pass has not finished (${s.staged.documents} documents staged so far): a cutover now ` +
      `would copy the rest while Anchore is down. Wait until objectstorage status ${taskId} shows "passes: 1" or more`
    );
  return undefined;
}

/** The operator's view of staging: its state, and what a cutover would copy at the rate measured so far. */
export function stagingProgress(s: StagingState, docsPerSecond: number): NonNullable<Progress['staging']> {
  const delta = s.lastDelta?.documents ?? 0;
  return {
    ...s,
    ...(docsPerSecond > 0 && s.passes > 0 ? { cutoverCopySeconds: Math.ceil(delta / docsPerSecond) } : {}),
  };
}

/** The phase a staged migration shows: staging until a cutover is accepted. */
export function stagingPhase(s: StagingState): MigrationPhase {
  return s.cutover ? 'cutover' : 'staging';
}
