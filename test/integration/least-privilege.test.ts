/**
 * docs/least-privilege.md, executed: its `sql` blocks run as written (role and database names substituted) on a
 * test catalog; `plan` and `audit` must work with the read-only role, and a real `migrate` db → s3 with the
 * migrate role, whose tables an administrator created. Every documented migrate grant taken away must make the
 * preflight refuse with CatalogPrivilegeError. A page that asks for too little, or for more than the tool
 * checks, fails here.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { catalogFingerprint, createCatalogPool } from '../../src/catalog';
import { checkPrivileges, migrationNeeds } from '../../src/catalog/privileges';
import { admin, anchoreDbStore, createTestCatalog, type TestCatalog } from '../helpers/catalog-db';
import { runCli } from '../helpers/cli';
import { loadFixture, makeFixture } from '../helpers/fixture';
import { startCli, waitFor, type RunningProcess } from '../helpers/processes';
import { stackEnv } from '../helpers/stack-env';
import { configFile, stores } from '../helpers/world';

jest.setTimeout(240_000);

const DOC = readFileSync(join(__dirname, '../../docs/least-privilege.md'), 'utf8');
const suffix = randomBytes(4).toString('hex');
const ro = `aos_ro_${suffix}`;
const rw = `aos_rw_${suffix}`;
const rw2 = `aos_rw2_${suffix}`;
const fixture = makeFixture(40);
const s3 = { ANCHORE_S3_ACCESS: stackEnv.s3AccessKey, ANCHORE_S3_SECRET: stackEnv.s3SecretKey };

/** The `sql` block after `<!-- grants: NAME -->`, with the documented names replaced by this test's. */
function grants(name: string, role: { migrate?: string; readonly?: string }, database: string): string {
  const at = DOC.indexOf(`<!-- grants: ${name} -->`);
  if (at < 0) throw new Error(`docs/least-privilege.md has no grants block ${name}`);
  const block = /```sql\n([\s\S]*?)```/.exec(DOC.slice(at));
  if (!block?.[1]) throw new Error(`grants block ${name} has no sql`);
  return block[1]
    .replace(/\bobjectstorage_migrate\b/g, role.migrate ?? 'objectstorage_migrate')
    .replace(/\bobjectstorage_readonly\b/g, role.readonly ?? 'objectstorage_readonly')
    .replace(/\bDATABASE anchore\b/g, `DATABASE ${database}`);
}

/** Each privilege the GRANT lines of a block give, on each object, as `[privilege, object, kind]`. */
function grantedPairs(sql: string): Array<[string, string, string]> {
  const pairs: Array<[string, string, string]> = [];
  for (const line of sql.split('\n')) {
    const m = /^GRANT (.+?) ON (SEQUENCE |SCHEMA )?(.+?) TO \S+;$/.exec(line.trim());
    if (!m) continue;
    for (const p of (m[1] as string).split(/,\s*/))
      for (const o of (m[3] as string).split(/,\s*/)) pairs.push([p, o, (m[2] ?? '').trim()]);
  }
  return pairs;
}

const urlAs = (catalog: TestCatalog, role: string): string => {
  const u = new URL(catalog.url);
  u.username = role;
  u.password = '';
  return u.toString();
};

let catalog: TestCatalog;
let catalog2: TestCatalog | undefined;
let worker: RunningProcess | undefined;
let rwEnv: Record<string, string>;
let roEnv: Record<string, string>;
const fromFile = (): string => configFile(stores.db());
const bucket = `aos-lp-${randomUUID().slice(0, 8)}`;
const toFile = (): string => configFile(stores.s3(bucket));

beforeAll(async () => {
  catalog = await createTestCatalog();
  await loadFixture(anchoreDbStore(catalog.pool), fixture);
  const names = { migrate: rw, readonly: ro };
  await catalog.pool.query(grants('readonly', names, catalog.name));
  await catalog.pool.query(grants('migrate', names, catalog.name));
  // PostgreSQL 15: PUBLIC may not create in schema public, so the migrate role cannot create our tables.
  const canCreate = await catalog.pool.query<{ ok: boolean }>(
    `SELECT has_schema_privilege($1, 'public', 'CREATE') AS ok`,
    [rw],
  );
  expect(canCreate.rows[0]?.ok).toBe(false);
  await catalog.pool.query(grants('migrate-db', names, catalog.name));
  // The administrator creates our tables (any command that opens the journal), then grants their use.
  const created = await runCli(['list-migrations'], { ANCHORE_DB_CONNECT: catalog.url });
  expect(created.code).toBe(0);
  await catalog.pool.query(grants('migrate-precreated', names, catalog.name));
  rwEnv = { ANCHORE_DB_CONNECT: urlAs(catalog, rw), TEMPORAL_ADDRESS: stackEnv.temporalAddress, ...s3 };
  roEnv = { ANCHORE_DB_CONNECT: urlAs(catalog, ro), TEMPORAL_ADDRESS: stackEnv.temporalAddress, ...s3 };
});

afterAll(async () => {
  await worker?.stop();
  await catalog2?.drop();
  await catalog?.drop();
  await admin(async (c) => {
    for (const role of [ro, rw, rw2]) await c.query(`DROP ROLE IF EXISTS ${role}`);
  });
});

test('plan and audit work with the read-only role', async () => {
  const plan = await runCli(['plan', fromFile(), toFile()], roEnv);
  expect(`${plan.stderr}${plan.stdout}`).toContain(`total`);
  expect(plan.code).toBe(0);
  const audit = await runCli(['audit', fromFile()], roEnv);
  if (audit.code !== 0) throw new Error(`audit exited ${audit.code}\n${audit.stdout}\n${audit.stderr}`);
});

test('the read-only role cannot write, even in a read-write transaction', async () => {
  const pool = createCatalogPool(urlAs(catalog, ro), 1);
  try {
    await expect(pool.query('UPDATE archive_metadata SET size = size')).rejects.toMatchObject({
      code: '25006', // read-only transaction: the role's default
    });
    const client = await pool.connect();
    try {
      await client.query('BEGIN READ WRITE');
      await expect(client.query('UPDATE archive_metadata SET size = size')).rejects.toMatchObject({
        code: '42501', // and no privilege to do it anyway
      });
      await client.query('ROLLBACK');
      await client.query('BEGIN READ WRITE');
      await expect(client.query('CREATE TABLE objectstorage_probe (a int)')).rejects.toMatchObject({
        code: '42501',
      });
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
  } finally {
    await pool.end();
  }
});

/** The migration's worker, as the migrate role. */
async function startWorker(): Promise<RunningProcess> {
  if (worker) return worker;
  const started = startCli(['worker', '--concurrency', '2'], rwEnv);
  worker = started;
  await waitFor(() => started.output().includes('worker ready'), 60_000, 'worker ready');
  return started;
}

test('a worker whose own role lacks a grant stops the migration before it writes, naming it', async () => {
  await startWorker();
  await catalog.pool.query(`REVOKE DELETE ON archive_document FROM ${rw}`);
  try {
    // The CLI runs as the administrator: only the worker's role lacks the grant.
    const r = await runCli(['migrate', fromFile(), toFile(), '--dontask'], {
      ...rwEnv,
      ANCHORE_DB_CONNECT: catalog.url,
    });
    const out = `${r.stdout}\n${r.stderr}`;
    expect(r.code).toBe(1);
    expect(out).toContain('CatalogPrivilegeError');
    expect(out).toContain(`GRANT DELETE ON archive_document TO ${rw};`);
    const moved = await catalog.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM archive_metadata WHERE content_url NOT LIKE 'db://%'`,
    );
    expect(moved.rows[0]?.n).toBe(0);
  } finally {
    await catalog.pool.query(`GRANT DELETE ON archive_document TO ${rw}`);
  }
});

test('migrate db → s3 runs to completion with the documented migrate grants', async () => {
  await startWorker();
  const r = await runCli(['migrate', fromFile(), toFile(), '--dontask', '--page-size', '10'], rwEnv, 180_000);
  if (r.code !== 0)
    throw new Error(
      `migrate exited ${r.code}\n${r.stdout}\n${r.stderr}\n--- worker ---\n${worker?.output()}`,
    );
  const rows = await catalog.pool.query<{ n: number; at_s3: number }>(
    `SELECT count(*)::int AS n, count(*) FILTER (WHERE content_url LIKE 's3://%')::int AS at_s3 FROM archive_metadata`,
  );
  expect(rows.rows[0]).toEqual({ n: fixture.length, at_s3: fixture.length });
  const task = await catalog.pool.query<{ state: string }>(
    `SELECT state FROM tasks ORDER BY id DESC LIMIT 1`,
  );
  expect(task.rows[0]?.state).toBe('complete');
});

test('without a documented grant migrate refuses before writing, naming it and the GRANT', async () => {
  await catalog.pool.query(`REVOKE UPDATE ON archive_metadata FROM ${rw}`);
  try {
    const r = await runCli(['migrate', fromFile(), toFile(), '--dontask'], rwEnv);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: CatalogPrivilegeError:');
    expect(r.stderr).toContain(`GRANT UPDATE ON archive_metadata TO ${rw};`);
  } finally {
    await catalog.pool.query(`GRANT UPDATE ON archive_metadata TO ${rw}`);
  }
});

test('every documented migrate grant is one the preflight requires', async () => {
  const names = { migrate: rw, readonly: ro };
  const pairs = ['migrate', 'migrate-db', 'migrate-precreated'].flatMap((b) =>
    grantedPairs(grants(b, names, catalog.name)),
  );
  expect(pairs.length).toBeGreaterThan(20);
  const pool: Pool = createCatalogPool(urlAs(catalog, rw), 1);
  try {
    const needs = migrationNeeds(['db', 's3']);
    await checkPrivileges(pool, 'migrate', needs); // all granted: passes
    for (const [privilege, object, kind] of pairs) {
      const on = `${kind ? `${kind} ` : ''}${object}`;
      await catalog.pool.query(`REVOKE ${privilege} ON ${on} FROM ${rw}`);
      try {
        const err = await checkPrivileges(pool, 'migrate', needs).then(
          () => new Error(`the preflight passed without ${privilege} on ${object}`),
          (e: unknown) => e as Error,
        );
        expect(err.name).toBe('CatalogPrivilegeError');
        expect(err.message).toContain(`${privilege} on ${object}`);
      } finally {
        await catalog.pool.query(`GRANT ${privilege} ON ${on} TO ${rw}`);
      }
    }
  } finally {
    await pool.end();
  }
});

test('a role that creates its own tables needs CREATE on the schema, and with it creates them', async () => {
  catalog2 = await createTestCatalog();
  const names = { migrate: rw2 };
  await catalog2.pool.query(grants('migrate', names, catalog2.name));
  await catalog2.pool.query(grants('migrate-db', names, catalog2.name));
  const pool = createCatalogPool(urlAs(catalog2, rw2), 2);
  try {
    const err = await checkPrivileges(pool, 'migrate', migrationNeeds(['db', 's3'])).catch((e: Error) => e);
    expect(err).toMatchObject({ name: 'CatalogPrivilegeError' });
    expect((err as Error).message).toContain('CREATE on schema public');
    await catalog2.pool.query(grants('migrate-own-tables', names, catalog2.name));
    await checkPrivileges(pool, 'migrate', migrationNeeds(['db', 's3']));
    await catalogFingerprint(pool); // opens the journal: creates our tables as this role
    const owners = await catalog2.pool.query<{ relname: string; owner: string }>(
      `SELECT relname, pg_get_userbyid(relowner) AS owner FROM pg_class
       WHERE relname LIKE 'objectstorage\\_%' AND relkind = 'r' ORDER BY 1`,
    );
    expect(owners.rows.map((r) => r.relname)).toContain('objectstorage_journal');
    expect(new Set(owners.rows.map((r) => r.owner))).toEqual(new Set([rw2]));
    await checkPrivileges(pool, 'migrate', migrationNeeds(['db', 's3']));
  } finally {
    await pool.end();
  }
});
