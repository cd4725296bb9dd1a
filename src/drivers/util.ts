/** Small helpers shared by the drivers. */
import { createHash } from 'node:crypto';

/** md5 hex digest, as Anchore computes digests and localfs path names. */
export function md5Hex(data: Buffer | string): string {
  return createHash('md5').update(data).digest('hex');
}

/** md5 (hex) and length of the bytes a stream yields, read to its end. */
export async function md5OfStream(body: AsyncIterable<unknown>): Promise<{ md5: string; size: number }> {
  const hash = createHash('md5');
  let size = 0;
  for await (const chunk of body) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { md5: hash.digest('hex'), size };
}

/** Throws the signal's reason if it was aborted. pg and fs calls cannot be interrupted midway, so we check between them. */
export function throwIfAborted(signal?: AbortSignal): void {
  signal?.throwIfAborted();
}

/**
 * Runs `fn` over `items` with at most `limit` calls in flight, keeping input order in the result. After the first
 * failure no new item starts, and the calls in flight are awaited before it is thrown: a batch write that fails
 * has then finished every write it will ever make (its caller journals them).
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
  signal?: AbortSignal,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { readonly error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < items.length && !failure) {
      try {
        throwIfAborted(signal);
        const i = next++;
        results[i] = await fn(items[i] as T, i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
  return results;
}

/** Splits `items` into arrays of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Integer epoch seconds, the timestamp type of Anchore's object-store tables. */
export function epochSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
