/** Runs `fn` in one transaction on a dedicated client: COMMIT on success, ROLLBACK on any error. */
import type { Pool, PoolClient } from 'pg';

export async function inTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A server that ends the connection between two statements (failover, pg_terminate_backend) emits 'error' on
  // the checked-out client: without a listener that would crash the process instead of failing this transaction.
  let lost: Error | undefined;
  const onError = (err: Error): void => {
    lost = err;
  };
  client.on('error', onError);
  let failed: unknown;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    failed = err;
    await client.query('ROLLBACK').catch(() => undefined);
    throw lost ?? err;
  } finally {
    client.removeListener('error', onError);
    // A client whose transaction failed is discarded, not reused: its connection may be gone.
    client.release(failed === undefined ? undefined : (lost ?? (failed as Error)));
  }
}
