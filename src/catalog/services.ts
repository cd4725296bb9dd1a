/** Anchore's `services` table: which services are alive according to their heartbeats (anchore-storage.md §3). */
import type { Pool } from 'pg';

/** Anchore marks a service down after 300 s without a heartbeat. */
export const HEARTBEAT_DOWN_AFTER_SECONDS = 300;

/** A registered Anchore service. */
export interface ServiceRow {
  readonly hostid: string;
  readonly servicename: string;
  readonly base_url: string | null;
  readonly status: boolean | null;
  readonly status_message: string | null;
  readonly heartbeat: number | null;
}

/** Services whose heartbeat is newer than the down threshold: they may still be writing documents. */
export async function liveServices(
  pool: Pool,
  nowEpoch = Math.floor(Date.now() / 1000),
): Promise<ServiceRow[]> {
  const res = await pool.query<ServiceRow>(
    `SELECT hostid, servicename, base_url, status, status_message, heartbeat FROM services
     WHERE heartbeat IS NOT NULL AND heartbeat > $1 ORDER BY servicename, hostid`,
    [nowEpoch - HEARTBEAT_DOWN_AFTER_SECONDS],
  );
  return res.rows;
}
