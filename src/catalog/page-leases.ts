/**
 * The fence of a page: a lease row per (task, page) that only one attempt holds at a time. An attempt
 * acquires it before it touches the page, renews it while it runs, and checks it (FOR SHARE) first in every
 * transaction that commits for the page; a new holder's acquire waits on that lock, so every commit of the old
 * holder happens before the new one starts. An attempt frozen past its lease (a stopped worker, a long GC, a
 * network cut) therefore finds the fence lost when it wakes and stops without writing. docs/journal.md.
 */
import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { FenceLostError, PageBusyError } from '../errors';

export const PAGE_LEASES_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS objectstorage_page_leases (
  task_id INTEGER NOT NULL,
  page INTEGER NOT NULL,
  token VARCHAR NOT NULL,
  owner VARCHAR NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (task_id, page)
);
`;

/** A held lease: its token, and until when (by this process's clock) it is surely still held. */
export interface PageLease {
  readonly taskId: number;
  readonly page: number;
  readonly token: string;
  readonly owner: string;
  readonly ttlMs: number;
  /** Local deadline: the lease was renewed at least this recently by the server's clock. */
  heldUntil: number;
}

/** Takes the page's lease if it is free or expired; otherwise PageBusyError naming the holder. */
export async function acquirePageLease(
  pool: Pool,
  taskId: number,
  page: number,
  owner: string,
  ttlMs: number,
): Promise<PageLease> {
  const token = randomUUID();
  const startedAt = Date.now();
  const res = await pool.query(
    `INSERT INTO objectstorage_page_leases AS l (task_id, page, token, owner, expires_at)
     VALUES ($1, $2, $3, $4, now() + $5 * interval '1 millisecond')
     ON CONFLICT (task_id, page) DO UPDATE SET token = EXCLUDED.token, owner = EXCLUDED.owner,
       expires_at = EXCLUDED.expires_at
     WHERE l.expires_at < now()
     RETURNING token`,
    [taskId, page, token, owner, ttlMs],
  );
  if (res.rowCount === 0) {
    const holder = await pool.query<{ owner: string; left: number }>(
      `SELECT owner, GREATEST(0, extract(epoch from expires_at - now()))::float8 AS left
       FROM objectstorage_page_leases WHERE task_id = $1 AND page = $2`,
      [taskId, page],
    );
    const h = holder.rows[0];
    throw new PageBusyError(
      `page ${page} of migration ${taskId} is held by another attempt (${h?.owner ?? 'unknown'}, lease ends in ` +
        `${Math.ceil(h?.left ?? 0)} s unless renewed): this attempt waits for it and retries`,
    );
  }
  return { taskId, page, token, owner, ttlMs, heldUntil: startedAt + ttlMs };
}

/** Extends the lease; FenceLostError if another attempt took it. */
export async function renewPageLease(pool: Pool, lease: PageLease): Promise<void> {
  const startedAt = Date.now();
  const res = await pool.query(
    `UPDATE objectstorage_page_leases SET expires_at = now() + $4 * interval '1 millisecond'
     WHERE task_id = $1 AND page = $2 AND token = $3 AND expires_at > now()`,
    [lease.taskId, lease.page, lease.token, lease.ttlMs],
  );
  if (res.rowCount === 0) throw lostError(lease);
  lease.heldUntil = startedAt + lease.ttlMs;
}

/**
 * First statement of every transaction that commits for the page: holds the lease row (FOR SHARE) until the
 * transaction ends, so no other attempt can take the page before this commit is done.
 */
export async function checkPageLease(client: PoolClient, lease: PageLease): Promise<void> {
  const res = await client.query(
    `SELECT 1 FROM objectstorage_page_leases WHERE task_id = $1 AND page = $2 AND token = $3
       AND expires_at > now() FOR SHARE`,
    [lease.taskId, lease.page, lease.token],
  );
  if (res.rowCount === 0) throw lostError(lease);
}

/** Before a write outside the catalog (a PUT, a delete): refuses once the lease may have run out. */
export function assertLeaseHeld(lease: PageLease): void {
  if (Date.now() >= lease.heldUntil) throw lostError(lease);
}

/** Gives the page up at the end of an attempt (a lost lease is left to its new holder). */
export async function releasePageLease(pool: Pool, lease: PageLease): Promise<void> {
  await pool.query(`DELETE FROM objectstorage_page_leases WHERE task_id = $1 AND page = $2 AND token = $3`, [
    lease.taskId,
    lease.page,
    lease.token,
  ]);
}

function lostError(lease: PageLease): FenceLostError {
  return new FenceLostError(
    `attempt ${lease.owner} lost page ${lease.page} of migration ${lease.taskId} (it stalled longer than its ` +
      `${lease.ttlMs} ms lease and another attempt took the page): it stops without writing`,
  );
}
