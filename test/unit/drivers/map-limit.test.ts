/** mapLimit: bounded parallel calls that stop taking new items at the first failure and settle the rest. */
import { setTimeout as sleep } from 'node:timers/promises';
import { mapLimit } from '../../../src/drivers/util';

test('results keep the input order, and no more than `limit` calls run at once', async () => {
  let running = 0;
  let most = 0;
  const out = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
    most = Math.max(most, ++running);
    await sleep(n);
    running--;
    return n * 10;
  });
  expect(out).toEqual([50, 10, 40, 20, 30]);
  expect(most).toBe(2);
});

test('after a call fails, no new item is started', async () => {
  const started: number[] = [];
  const items = Array.from({ length: 100 }, (_, i) => i);
  const err = await mapLimit(items, 4, async (i) => {
    started.push(i);
    await sleep(1);
    if (i === 1) throw new Error('refused');
    return i;
  }).catch((e: Error) => e);
  expect((err as Error).message).toBe('refused');
  await sleep(20);
  expect(started.length).toBeLessThanOrEqual(8);
});

test('the first failure is thrown only after every call in flight has ended (a failed batch write made all its writes)', async () => {
  const ended: number[] = [];
  const err = await mapLimit([0, 1, 2, 3], 4, async (i) => {
    if (i === 0) throw new Error('refused');
    await sleep(20 * i);
    ended.push(i);
    return i;
  }).catch((e: Error) => e);
  expect((err as Error).message).toBe('refused');
  // Before, the call rejected at once, while the writes of items 1 to 3 were still on their way.
  expect(ended.sort()).toEqual([1, 2, 3]);
});

test('of several failures the first is thrown', async () => {
  const err = await mapLimit([30, 5, 60], 3, async (ms) => {
    await sleep(ms);
    throw new Error(`failed after ${ms} ms`);
  }).catch((e: Error) => e);
  expect((err as Error).message).toBe('failed after 5 ms');
});
