/** The worker's byte budget: holds at most its limit, serves waiters in order, lets an oversized chunk run alone. */
import { createByteBudget } from '../../src/activities/byte-budget';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('a request waits until enough bytes are given back, and waiters are served in order', async () => {
  const budget = createByteBudget(100);
  const a = await budget.acquire(60);
  const order: string[] = [];
  const b = budget.acquire(50).then((release) => (order.push('b'), release));
  const c = budget.acquire(10).then((release) => (order.push('c'), release));
  await tick();
  // c would fit beside a, but b asked first: nobody jumps the queue
  expect(order).toEqual([]);
  expect(budget.inUse()).toBe(60);
  a();
  const releaseB = await b;
  const releaseC = await c;
  expect(order).toEqual(['b', 'c']);
  expect(budget.inUse()).toBe(60);
  releaseB();
  releaseC();
  releaseC(); // giving back twice is harmless
  expect(budget.inUse()).toBe(0);
});

test('a chunk larger than the whole budget runs once it is alone', async () => {
  const budget = createByteBudget(100);
  const small = await budget.acquire(1);
  let big = false;
  const pending = budget.acquire(500).then((release) => ((big = true), release));
  await tick();
  expect(big).toBe(false);
  small();
  const release = await pending;
  expect(big).toBe(true);
  expect(budget.inUse()).toBe(100);
  release();
  expect(budget.inUse()).toBe(0);
});

test('an aborted wait leaves the queue and rejects with the abort reason', async () => {
  const budget = createByteBudget(10);
  const held = await budget.acquire(10);
  const controller = new AbortController();
  const waiting = budget.acquire(5, controller.signal);
  const next = budget.acquire(5);
  controller.abort(new Error('activity cancelled'));
  await expect(waiting).rejects.toThrow('activity cancelled');
  held();
  const release = await next;
  expect(budget.inUse()).toBe(5);
  release();
});

test('a limit that is not a positive integer is refused', () => {
  expect(() => createByteBudget(0)).toThrow(RangeError);
});

test('afterRelease hears each give-back once, with its size', async () => {
  const released: number[] = [];
  const budget = createByteBudget(100, { afterRelease: (n) => released.push(n) });
  const a = await budget.acquire(30);
  expect(released).toEqual([]);
  a();
  a();
  const b = await budget.acquire(500); // capped at the limit, like what it holds
  b();
  expect(released).toEqual([30, 100]);
});
