/**
 * Keys Anchore cannot read back (anchore-storage.md §11.4) on the real PostgreSQL: the SQL count agrees with the
 * pure rule for every character and driver, `plan` warns and reports them in JSON, and `audit` lists them as
 * information. Needs only PostgreSQL (plan and audit run in this process, not as the built CLI).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { startingProgress } from '../../src/audit/progress';
import { runAudit } from '../../src/audit/run';
import type { AuditProblem, AuditProgress } from '../../src/audit/types';
import { findAnchoreUnreadableKeys } from '../../src/catalog/anchore-unreadable-keys';
import { registerAudit } from '../../src/cli/audit';
import { registerPlan } from '../../src/cli/plan';
import type { GlobalOptions } from '../../src/cli/globals';
import { createDbDriver } from '../../src/drivers/db';
import {
  anchoreUnreadableReason,
  describeUnreadableReason,
  KEY_FIELDS,
  type DocumentKey,
} from '../../src/shared/anchore-unreadable-keys';
import type { Selection } from '../../src/shared/migration';
import { anchoreDbStore, createTestCatalog, type TestCatalog } from '../helpers/catalog-db';
import {
  offlineGlobals,
  runInProcess,
  storeConfigFile,
  type RegisterCommand,
} from '../helpers/in-process-cli';

const DRIVERS = ['db', 'db2', 's3', 'swift', 'localfs'] as const;
const atDb: Selection = { sourcePrefix: 'db://', buckets: [], excludeBuckets: ['analysis_archive'] };

/** Every ASCII character but NUL, some Unicode, and the lookalikes Python refuses in a URL host. */
const CANDIDATES = [
  ...Array.from({ length: 127 }, (_, i) => String.fromCharCode(i + 1)),
  ...'é文\u2028\u0085\ufeff\u2100\ufe16\uff03\uff0f\uff1a\uff1f\uff20',
];

async function insertRow(pool: Pool, d: DocumentKey, url: string): Promise<void> {
  await pool.query(
    `INSERT INTO archive_metadata (bucket, "archiveId", "userId", "documentName", content_url, size)
     VALUES ($1, $2::varchar, $3, $2::varchar || '.json', $4, 10)`,
    [d.bucket, d.archiveId, d.userId, url],
  );
}

describe('findAnchoreUnreadableKeys', () => {
  let catalog: TestCatalog;
  const selected: DocumentKey[] = [];

  beforeAll(async () => {
    catalog = await createTestCatalog();
    for (const [n, c] of CANDIDATES.entries()) {
      for (const field of KEY_FIELDS) {
        const d = {
          userId: `u${n}`,
          bucket: 'analysis_data',
          archiveId: `k${n}-${field}`,
          [field]: `x${c}y`,
        };
        await insertRow(catalog.pool, d, `db://${d.userId}/${d.bucket}/${d.archiveId}`);
        selected.push(d);
      }
    }
    // Not selected: another location, and the excluded bucket.
    await insertRow(catalog.pool, { userId: 'a', bucket: 'analysis_data', archiveId: 'q?' }, 's3://b/a/q?');
    await insertRow(catalog.pool, { userId: 'a', bucket: 'analysis_archive', archiveId: 'q?' }, 'db://a/q?');
  });
  afterAll(async () => {
    await catalog?.drop();
  });

  test('counts what the pure rule says for every driver, in one call, with the first five as examples', async () => {
    const found = await findAnchoreUnreadableKeys(catalog.pool, atDb, DRIVERS);
    for (const [i, driver] of DRIVERS.entries()) {
      const expected = selected.filter((d) => anchoreUnreadableReason(driver, d));
      expect(expected.length).toBeGreaterThan(0);
      expect(found[i]?.driver).toBe(driver);
      expect(found[i]?.count).toBe(expected.length);
      expect(found[i]?.examples).toHaveLength(5);
      // PostgreSQL's collation may order keys unlike JS: each example is unreadable, and says why.
      for (const e of found[i]?.examples ?? []) {
        const why = anchoreUnreadableReason(driver, e);
        expect(why).toBeDefined();
        expect(e.reason).toBe(describeUnreadableReason(why!));
      }
    }
    expect(found[0]?.count).toBeGreaterThan(found[2]?.count ?? Infinity); // db also breaks on `/` in the userId
  });

  test('a driver without limits, a bucket filter and a selection with nothing unreadable', async () => {
    const [memory] = await findAnchoreUnreadableKeys(catalog.pool, atDb, ['memory']);
    expect(memory).toEqual({ driver: 'memory', count: 0, examples: [] });
    const none = await findAnchoreUnreadableKeys(catalog.pool, { ...atDb, buckets: ['query_data'] }, ['s3']);
    expect(none).toEqual([{ driver: 's3', count: 0, examples: [] }]);
    const [s3] = await findAnchoreUnreadableKeys(catalog.pool, { ...atDb, sourcePrefix: 's3://b/' }, ['s3']);
    expect(s3).toEqual({
      driver: 's3',
      count: 1,
      examples: [{ userId: 'a', bucket: 'analysis_data', archiveId: 'q?', reason: 'archiveId contains "?"' }],
    });
  });
});

describe('plan and audit', () => {
  let catalog: TestCatalog;
  const unreadable = [
    { userId: 'admin', bucket: 'analysis_data', archiveId: 'image?tag=1' },
    { userId: 'admin', bucket: 'manifest_data', archiveId: 'with#fragment' },
    { userId: 'admin', bucket: 'query_data', archiveId: 'tab\there' },
  ];
  const globals = (dbConnect: string): GlobalOptions => offlineGlobals(dbConnect, true);
  const dbConfig = (): string => storeConfigFile('db', '{}');
  const s3Config = (): string =>
    storeConfigFile(
      's3',
      `{url: 'http://127.0.0.1:1', bucket: plan-only, prefix: 'anchore/', access_key: \${ANCHORE_S3_ACCESS}, secret_key: \${ANCHORE_S3_SECRET}}`,
    );
  const localfsConfig = (): string =>
    storeConfigFile('localfs', `{archive_data_dir: /tmp/aos-unreadable-plan}`);

  /** Runs an objectstorage command in this process (not the built CLI) and returns what it printed. */
  const inProcess = (register: RegisterCommand, args: string[], json: boolean) =>
    runInProcess(register, args, { ...globals(catalog.url), json });

  /** `plan --json FROM TO`: its JSON result and its stderr. */
  async function plan(
    from: string,
    to: string,
  ): Promise<{ result: Record<string, unknown>; stderr: string }> {
    const r = await inProcess(registerPlan, ['plan', from, to], true);
    return { result: JSON.parse(r.stdout) as Record<string, unknown>, stderr: r.stderr };
  }

  beforeAll(async () => {
    process.env.ANCHORE_S3_ACCESS = 'plan-access';
    process.env.ANCHORE_S3_SECRET = 'plan-secret';
    catalog = await createTestCatalog();
    const store = anchoreDbStore(catalog.pool);
    await store.put('admin', 'analysis_data', 'sha256:fine/docker.io/a:b', Buffer.from('{"ok": 1}'));
    for (const d of unreadable) await store.put(d.userId, d.bucket, d.archiveId, Buffer.from('{"a": 1}'));
    // Readable through s3 but not through db: the userId is the db URL's host, and it ends at `/`.
    await insertRow(
      catalog.pool,
      { userId: 'team/a', bucket: 'policy_bundles', archiveId: 'p1' },
      'db://team/a/policy_bundles/p1',
    );
  });
  afterAll(async () => {
    await catalog?.drop();
  });

  test('plan db → s3 warns about both ends and reports them in JSON', async () => {
    const { result, stderr } = await plan(dbConfig(), s3Config());
    expect(result.total).toBe(5);
    expect(result.anchoreUnreadable).toEqual({
      count: 3,
      examples: [
        { ...unreadable[0], reason: 'archiveId contains "?"' },
        { ...unreadable[1], reason: 'archiveId contains "#"' },
        { ...unreadable[2], reason: 'archiveId contains a tab' },
      ],
    });
    expect(result.anchoreUnreadableAtSource).toMatchObject({ count: 4 });
    const lines = stderr.split('\n');
    expect(lines).toContain(
      `warning: 3 document(s) have a key that Anchore's s3 driver cannot read back (Anchore parses its content ` +
        `URLs, and a "?", "#", tab or line break in a key breaks that): migrate moves them byte-exact, but ` +
        `Anchore cannot read them back from the destination. Rename or re-create these documents in Anchore, ` +
        `or keep them on localfs, whose md5 file names have no such limit.`,
    );
    expect(lines).toContain(
      'warning:   userId "admin" bucket "query_data" archiveId "tab\\there": archiveId contains a tab',
    );
    expect(lines).toContain(
      `warning: 4 document(s) have a key that Anchore's db driver cannot read back: Anchore cannot read them ` +
        `at the source today. migrate moves them byte-exact.`,
    );
    expect(lines).toContain(
      'warning:   userId "team/a" bucket "policy_bundles" archiveId "p1": userId contains "/"',
    );
  });

  test('plan db → localfs: nothing at the destination, and Anchore can read them there', async () => {
    const { result, stderr } = await plan(dbConfig(), localfsConfig());
    expect(result.anchoreUnreadable).toEqual({ count: 0, examples: [] });
    expect(result.anchoreUnreadableAtSource).toMatchObject({ count: 4 });
    expect(stderr).toContain(
      `warning: 4 document(s) have a key that Anchore's db driver cannot read back: Anchore cannot read them ` +
        `at the source today. migrate moves them byte-exact; at the destination (localfs) Anchore can read them.`,
    );
    expect(stderr).not.toContain("Anchore's localfs driver");
  });

  test('audit of the db store lists them as information: the audit stays clean', async () => {
    const found: AuditProblem[] = [];
    const progress: AuditProgress = startingProgress();
    const driver = createDbDriver(catalog.pool);
    const summary = await runAudit({
      pool: catalog.pool,
      driver,
      selection: { ...atDb, buckets: ['analysis_data', 'manifest_data', 'query_data'] },
      mode: 'full',
      concurrency: 2,
      progress,
      onProblem: async (p) => {
        found.push(p);
      },
    });
    await driver.close();
    expect(summary).toMatchObject({
      clean: true,
      problemsTotal: 0,
      rowsChecked: 4,
      anchoreUnreadableKeys: 3,
    });
    expect(progress.problems).toBe(0);
    expect(found.sort((a, b) => a.bucket.localeCompare(b.bucket))).toEqual(
      unreadable.map((d) => ({
        code: 'anchore_unreadable_key',
        ...d,
        url: `db://${d.userId}/${d.bucket}/${d.archiveId}`,
        detail: `${describeUnreadableReason(anchoreUnreadableReason('db', d)!)}: Anchore's db driver cannot read this document back by its key`,
      })),
    );
  });

  test('objectstorage audit: clean, a Keys: line, and every such row in the report', async () => {
    const report = join(mkdtempSync(join(tmpdir(), 'aos-unreadable-')), 'report.json');
    const args = [
      'audit',
      dbConfig(),
      '--bucket',
      'analysis_data',
      '--bucket',
      'query_data',
      '--report',
      report,
    ];
    const r = await inProcess(registerAudit, args, false);
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('Audit: clean');
    expect(lines).toContain(
      "Keys:      2 row(s) whose key Anchore's db driver cannot read back (anchore_unreadable_key; information: " +
        'rename or re-create them in Anchore, or keep them on localfs)',
    );
    const written = JSON.parse(readFileSync(report, 'utf8')) as {
      problems: AuditProblem[];
      summary: { anchoreUnreadableKeys: number; problemsTotal: number };
    };
    expect(written.problems.map((p) => [p.code, p.archiveId])).toEqual([
      ['anchore_unreadable_key', 'image?tag=1'],
      ['anchore_unreadable_key', 'tab\there'],
    ]);
    expect(written.summary).toMatchObject({ anchoreUnreadableKeys: 2, problemsTotal: 0 });
  });
});
