/**
 * Page-of-keys statements: a page's keys arrive as unnest arrays and are joined to a table's primary key. The
 * plan we want is one primary-key probe per key, whatever the table's size and however old its statistics.
 */
import type { Pool, PoolClient, QueryResult, QueryResultRow } from 'pg';
import { inTransaction } from './transaction';

/**
 * PostgreSQL costs an index probe as a disk read, so for a page of 500 keys against some ten thousand rows it
 * hashes the whole table instead, several times slower than probing by key
 * (bench/README.md#measurements-behind-the-code). Without hash and merge joins each key is one probe. The settings are transaction-local and put back
 * right after the statement, so other statements of the caller's transaction plan on their own.
 */
const PROBE_BY_KEY = 'SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off';
const PLAN_AS_BEFORE = 'SET LOCAL enable_hashjoin TO DEFAULT; SET LOCAL enable_mergejoin TO DEFAULT';

/**
 * Runs one page-of-keys statement with probes by key. A client must be in a transaction (the settings are
 * SET LOCAL); given the pool, the statement gets a transaction of its own.
 *
 * A statement must join every primary-key column to the key arrays, the leading `task_id` of the journal
 * included (see {@link TASK_PER_KEY}): a constant column gives the planner a scan of all that column's rows,
 * costed from statistics, as the cheaper outer side of the join.
 */
export async function queryByKeyProbes<R extends QueryResultRow>(
  db: Pool | PoolClient,
  sql: string,
  params: readonly unknown[],
): Promise<QueryResult<R>> {
  if (!isClient(db)) {
    // Our own transaction ends right after the statement, and its SET LOCALs with it: nothing to put back.
    return inTransaction(db, async (client) => {
      await client.query(PROBE_BY_KEY);
      return client.query<R>(sql, params as unknown[]);
    });
  }
  await db.query(PROBE_BY_KEY);
  const res = await db.query<R>(sql, params as unknown[]);
  await db.query(PLAN_AS_BEFORE);
  return res;
}

/**
 * A `task_id` column as long as key array `$2`, for statements whose task is `$1`: it joins the journal's
 * leading key column to the keys instead of comparing it with a constant. With `task_id = $1`, PostgreSQL
 * estimates a new task's rows from statistics taken before the task existed (1 row; actually every row of the
 * task so far) and scans them all on every page, a cost that grows with the migration. A journal without any
 * statistics still draws another index led by task_id: catalog/journal-statistics.ts gives it some first.
 */
export const TASK_PER_KEY = 'array_fill($1::integer, ARRAY[cardinality($2::varchar[])])';

const isClient = (db: Pool | PoolClient): db is PoolClient => 'release' in db;
