/** The pure decisions of a staged migration (src/workflows/staging.ts) and how a delta pass cuts its pages. */
import { cutDeltaPages } from '../../src/activities/stage-delta';
import type { DeltaRow } from '../../src/catalog';
import type { MigrationInput, StagingState } from '../../src/shared/migration';
import {
  acceptCutover,
  cutoverInput,
  cutoverRanges,
  cutoverRefusal,
  CUTOVER_PAGES,
  stagingProgress,
  startStaging,
  sweepsThisPass,
  SWEEP_EVERY_PASSES,
} from '../../src/workflows/staging';

const staging = (over: Partial<StagingState> = {}): StagingState => ({
  ...startStaging(1_700_000_000, 0),
  ...over,
});

describe('cutoverRefusal', () => {
  test('a migration that was not staged has nothing to cut over', () => {
    expect(cutoverRefusal(undefined, 'migrating', false, 7)).toMatch(/started by migrate, not stage/);
  });
  test('refused until the first pass has finished, saying what to wait for', () => {
    expect(cutoverRefusal(staging({ passes: 0 }), 'staging', false, 7)).toMatch(
      /first staging pass has not finished.*status 7 shows "passes: 1"/,
    );
    expect(cutoverRefusal(staging({ passes: 1 }), 'staging', false, 7)).toBeUndefined();
  });
  test('refused once finishing or cancelled', () => {
    expect(cutoverRefusal(staging({ passes: 3 }), 'finishing', false, 7)).toMatch(/nothing left to cut over/);
    expect(cutoverRefusal(staging({ passes: 3 }), 'staging', true, 7)).toMatch(/being cancelled/);
  });
});

test('the first pass sweeps deleted documents, then every SWEEP_EVERY_PASSES', () => {
  const sweeps = Array.from({ length: 2 * SWEEP_EVERY_PASSES + 1 }, (_, passes) =>
    sweepsThisPass(staging({ passes })),
  );
  expect(sweeps.filter(Boolean)).toHaveLength(3);
  expect(sweeps[0]).toBe(true);
  expect(sweeps[1]).toBe(false);
  expect(sweeps[SWEEP_EVERY_PASSES]).toBe(true);
});

test('the cutover runs as a plain migration with its own nodelete and watch, no longer staged', () => {
  const input = { taskId: 1, nodelete: false, watchAnchore: false, stage: { passEverySeconds: 5 } };
  const c = acceptCutover({ nodelete: true, force: false }, 1234);
  const rest = cutoverInput(input as unknown as MigrationInput, c);
  expect(rest).toEqual({ taskId: 1, nodelete: true, watchAnchore: true });
  expect(c).toEqual({ acceptedAt: 1234, nodelete: true, watchAnchore: true, step: 'drain', bulkSwitched: 0 });
});

test('a cutover estimate needs a pass and a measured rate', () => {
  const s = staging({ passes: 2, lastDelta: { documents: 300, bytes: 1, dropped: 0 } });
  expect(stagingProgress(s, 100).cutoverCopySeconds).toBe(3);
  expect(stagingProgress(s, 0).cutoverCopySeconds).toBeUndefined();
  expect(stagingProgress({ ...s, passes: 0 }, 100).cutoverCopySeconds).toBeUndefined();
});

describe('cutDeltaPages', () => {
  const row = (i: number, size: number | null): DeltaRow => ({
    bucket: 'b',
    archiveId: `k${String(i).padStart(4, '0')}`,
    userId: 'u',
    documentName: `k${i}.json`,
    content_url: `db://u/b/k${i}`,
    digest: null,
    size,
    is_compressed: false,
    staged: i % 2 === 0,
  });
  test('pages hold at most pageSize documents and pageBytes, numbered from firstIndex', () => {
    const rows = Array.from({ length: 25 }, (_, i) => row(i, 100));
    const pages = cutDeltaPages(rows, 10, 1_000_000, 40);
    expect(pages.map((p) => [p.bounds.index, p.bounds.documents, p.bounds.bytes, p.bounds.delta])).toEqual([
      [40, 10, 1000, true],
      [41, 10, 1000, true],
      [42, 5, 500, true],
    ]);
    expect(pages[2]?.bounds.last.archiveId).toBe('k0024');
    expect(pages.flatMap((p) => p.rows)).toEqual(rows);
  });
  test('a document larger than pageBytes is a page of its own; an unknown size counts as 1 MiB', () => {
    const pages = cutDeltaPages([row(0, 10), row(1, 5_000), row(2, null), row(3, 10)], 100, 2_000_000, 0);
    expect(pages.map((p) => p.bounds.documents)).toEqual([4]);
    const small = cutDeltaPages([row(0, 10), row(1, 5_000), row(2, 10)], 100, 1_000, 0);
    expect(small.map((p) => p.bounds.documents)).toEqual([1, 1, 1]);
    expect(cutDeltaPages([], 10, 1000, 0)).toEqual([]);
  });
});

test('the cutover walks the pages in disjoint ranges, CUTOVER_PARALLEL at a time, never past the last page', () => {
  expect(cutoverRanges(0, 100)).toEqual([
    { from: 0, to: CUTOVER_PAGES },
    { from: CUTOVER_PAGES, to: 2 * CUTOVER_PAGES },
  ]);
  expect(cutoverRanges(0, 5)).toEqual([{ from: 0, to: CUTOVER_PAGES }]);
  expect(cutoverRanges(0, 0)).toEqual([{ from: 0, to: CUTOVER_PAGES }]);
  expect(cutoverRanges(CUTOVER_PAGES, CUTOVER_PAGES + 1)).toEqual([
    { from: CUTOVER_PAGES, to: 2 * CUTOVER_PAGES },
  ]);
});
