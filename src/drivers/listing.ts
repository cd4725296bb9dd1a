/** Helpers the drivers share to implement `listObjects`. */
import type { DocumentRef } from './types';

/** Objects per backend request when the caller does not say. */
export const DEFAULT_LIST_PAGE_SIZE = 1000;

/**
 * `<userId>/<bucket>/<key>` → ref, the tail of every URI except localfs's. Keys may contain `/`, so only the
 * first two separators split. Undefined for anything else (a self-check probe, a foreign file).
 */
export function refFromPath(path: string): DocumentRef | undefined {
  const first = path.indexOf('/');
  const second = first < 0 ? -1 : path.indexOf('/', first + 1);
  if (first <= 0 || second < 0 || second === first + 1 || second === path.length - 1) return undefined;
  return { userId: path.slice(0, first), bucket: path.slice(first + 1, second), key: path.slice(second + 1) };
}
