/**
 * The fence an activity holds on its page for its whole life (catalog/page-leases): acquired first, renewed on
 * a timer, checked first in every transaction that commits for the page and locally before every PUT or
 * delete, released at the end. A worker frozen past the lease wakes to a lost fence and writes nothing. The
 * same transactions share anchore-manager's migration lock, so the two migrators never commit at once.
 */
import { hostname } from 'node:os';
import { Context } from '@temporalio/activity';
import type { PoolClient } from 'pg';
import {
  acquirePageLease,
  assertLeaseHeld,
  checkPageLease,
  inTransaction,
  releasePageLease,
  renewPageLease,
  shareAnchoreMigrationLock,
  type PageLease,
} from '../catalog';
import type { MigrationInput } from '../shared/migration';
import type { ActivityDeps } from './deps';

/** Lease length and renewal period of a page fence. */
export interface PageLeaseTiming {
  readonly ttlMs: number;
  readonly renewMs: number;
}

/**
 * Shorter than the page activities' retry window (the next attempt's retries must outlast a dead holder's
 * lease), several renewals long so a slow statement does not lose it.
 */
export const PAGE_LEASE: PageLeaseTiming = { ttlMs: 15_000, renewMs: 3_000 };

export interface PageFence {
  /** Runs `fn` in a transaction whose first statement checks (and holds) the fence. */
  commit<T>(fn: (client: PoolClient) => Promise<T>): Promise<T>;
  /** Before a write outside the catalog: throws FenceLostError once the lease may have run out. */
  assertHeld(): void;
  /** The check commit makes first, for a transaction that holds several fences (commitAcrossPages). */
  check(client: PoolClient): Promise<void>;
  release(): Promise<void>;
}

function attemptName(): string {
  let attempt = '';
  try {
    const info = Context.current().info;
    attempt = ` ${info.activityType} attempt ${info.attempt}`;
  } catch {
    // outside an activity (tests)
  }
  return `${hostname()} pid ${process.pid}${attempt}`;
}

export async function holdPageFence(
  deps: ActivityDeps,
  input: MigrationInput,
  page: number,
): Promise<PageFence> {
  const timing = deps.pageLease ?? PAGE_LEASE;
  const lease: PageLease = await acquirePageLease(deps.pool, input.taskId, page, attemptName(), timing.ttlMs);
  let lost: unknown;
  const timer = setInterval(() => {
    renewPageLease(deps.pool, lease).catch((err: unknown) => {
      // A lost lease is final; a catalog that does not answer is not, until the lease runs out locally.
      if ((err as Error).name === 'FenceLostError') lost = err;
    });
  }, timing.renewMs);
  const assertHeld = (): void => {
    if (lost) throw lost;
    assertLeaseHeld(lease);
  };
  return {
    assertHeld,
    check: (client) => checkPageLease(client, lease),
    commit: (fn) =>
      inTransaction(deps.pool, async (client) => {
        assertHeld();
        await checkPageLease(client, lease);
        await shareAnchoreMigrationLock(client);
        return fn(client);
      }),
    release: async () => {
      clearInterval(timer);
      await releasePageLease(deps.pool, lease).catch(() => undefined); // it expires on its own
    },
  };
}

/**
 * For work that is not a page attempt (rollback, the clean-up after a stop) but acts on journaled rows: runs
 * `fn` once per page of `rows`, in a transaction under that page's fence, so it never races an attempt still
 * alive on the page. A page another attempt holds throws PageBusyError (transient: the activity is retried).
 */
export async function commitPerPage<R extends { readonly page: number }, T>(
  deps: ActivityDeps,
  input: MigrationInput,
  rows: readonly R[],
  fn: (client: PoolClient, pageRows: R[], fence: PageFence) => Promise<T>,
): Promise<T[]> {
  const byPage = new Map<number, R[]>();
  for (const r of rows) {
    const group = byPage.get(r.page);
    if (group) group.push(r);
    else byPage.set(r.page, [r]);
  }
  const results: T[] = [];
  for (const [page, pageRows] of byPage) {
    const fence = await holdPageFence(deps, input, page);
    try {
      results.push(await fence.commit((client) => fn(client, pageRows, fence)));
    } finally {
      await fence.release();
    }
  }
  return results;
}

/**
 * Like {@link commitPerPage}, but one transaction for all the pages of `rows`, under every one of their fences
 * at once (each acquired first, each checked first in the transaction): the cutover's bulk switch, where a
 * transaction per page would make the offline window longer. The fence handed to `fn` asserts all of them.
 */
export async function commitAcrossPages<R extends { readonly page: number }, T>(
  deps: ActivityDeps,
  input: MigrationInput,
  rows: readonly R[],
  fn: (client: PoolClient, rows: readonly R[], fence: PageFence) => Promise<T>,
): Promise<T> {
  const pages = [...new Set(rows.map((r) => r.page))].sort((a, b) => a - b);
  const fences: PageFence[] = [];
  try {
    for (const page of pages) fences.push(await holdPageFence(deps, input, page));
    const all: PageFence = {
      assertHeld: () => fences.forEach((f) => f.assertHeld()),
      commit: (work) =>
        inTransaction(deps.pool, async (client) => {
          all.assertHeld();
          for (const f of fences) await f.check(client);
          await shareAnchoreMigrationLock(client);
          return work(client);
        }),
      check: async (client) => {
        for (const f of fences) await f.check(client);
      },
      release: async () => {
        await Promise.all(fences.map((f) => f.release()));
      },
    };
    return await all.commit((client) => fn(client, rows, all));
  } finally {
    await Promise.all(fences.map((f) => f.release()));
  }
}
