/**
 * A transient cause never fails a document (issue 20, scenario 6): a destination outage of ten minutes or more
 * used to give every page started meanwhile up after four set-aside rounds (1, 2 and 4 minutes), and the
 * documented 30-minute cap was never reached.
 */
import { afterPageError, planningRetryMs, setAsideBackoffMs } from '../../src/workflows/page-scheduler';

const MIN = 60_000;
const today = (): boolean => false; // a run started after the patch: never the old give-up

test('a page with a transient error is set aside again and again, its wait reaching the 30-minute cap', () => {
  const decisions = Array.from({ length: 10 }, (_, attempts) => afterPageError(false, attempts, today));
  expect(decisions.map((d) => d.kind)).toEqual(Array(10).fill('setAside'));
  expect(decisions.map((d) => (d.kind === 'setAside' ? d.backoffMs / MIN : NaN))).toEqual([
    1, 2, 4, 8, 16, 30, 30, 30, 30, 30,
  ]);
});

test('a permanent error stops the migration at once', () => {
  expect(afterPageError(true, 0, today)).toEqual({ kind: 'fatal' });
});

test('a run recorded before the change still gives the page up where it did, and is asked only then', () => {
  const asked: number[] = [];
  const legacy = (attempts: number) => () => {
    asked.push(attempts);
    return true;
  };
  expect(afterPageError(false, 2, legacy(2)).kind).toBe('setAside');
  expect(afterPageError(false, 3, legacy(3))).toEqual({ kind: 'fail' });
  expect(asked).toEqual([3]);
});

test('set-aside backoff and planning retries double and are capped', () => {
  expect(setAsideBackoffMs(0)).toBe(MIN);
  expect(setAsideBackoffMs(40)).toBe(30 * MIN);
  expect([1, 2, 3, 4, 5, 6, 7, 20].map(planningRetryMs)).toEqual([
    5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000,
  ]);
});
