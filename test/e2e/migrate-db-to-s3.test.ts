/**
 * db → s3 end to end: the CLI registers and starts the workflow, a worker process does the work, and the
 * result is checked against the fixture byte for byte, against Anchore's metadata rules, the journal's phase
 * order, the task row, and the workflow history (no secret, no document bodies).
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { catalogFingerprint, createPgMetadataStore } from '../../src/catalog';
import { createObjectStoreManager } from '../../src/drivers/manager';
import { createS3Driver } from '../../src/drivers/s3';
import { migrationWorkflowId } from '../../src/shared/migration';
import { anchoreDbStore, createTestCatalog, type TestCatalog } from '../helpers/catalog-db';
import { runCli } from '../helpers/cli';
import { loadFixture, makeFixture } from '../helpers/fixture';
import { startCli, waitFor, type RunningProcess } from '../helpers/processes';
import { stackEnv } from '../helpers/stack-env';
import { configFile, expectVerifiedBeforeDeleted, stores } from '../helpers/world';

jest.setTimeout(180_000);

const bucket = `aos-mig-${randomUUID().slice(0, 8)}`;
const fixture = makeFixture(260, { largeBytes: 2 * 1024 * 1024 });
const s3 = { ANCHORE_S3_ACCESS: stackEnv.s3AccessKey, ANCHORE_S3_SECRET: stackEnv.s3SecretKey };
let catalog: TestCatalog;
let worker: RunningProcess;
let worker2: RunningProcess;
let env: Record<string, string>;

const fromFile = (): string => configFile(stores.db());
const toFile = (): string => configFile(stores.s3(bucket), stores.s3(`${bucket}-archive`, '', false));

beforeAll(async () => {
  catalog = await createTestCatalog();
  const db = anchoreDbStore(catalog.pool);
  await loadFixture(db, fixture);
  env = { ANCHORE_DB_CONNECT: catalog.url, TEMPORAL_ADDRESS: stackEnv.temporalAddress, ...s3 };
  worker = startCli(['worker', '--concurrency', '2'], env);
  worker2 = startCli(['worker', '--concurrency', '2'], env);
  // Both must be polling before the migration starts, or a fast run may finish on the first alone.
  await waitFor(
    () => worker.output().includes('worker ready') && worker2.output().includes('worker ready'),
    60_000,
    'both workers ready',
  );
});

afterAll(async () => {
  await worker?.stop();
  await worker2?.stop();
  await catalog?.drop();
});

test('db → s3 with two workers migrates every document, verified before the source is deleted', async () => {
  const r = await runCli(
    ['migrate', fromFile(), toFile(), '--dontask', '--page-size', '10', '--concurrency', '4'],
    env,
    150_000,
  );
  if (r.code !== 0)
    throw new Error(`migrate exited ${r.code}\n${r.stdout}\n${r.stderr}\n--- worker ---\n${worker.output()}`);
  const taskId = Number(/Migration Task Id: (\d+)/.exec(r.stdout)?.[1]);
  expect(taskId).toBeGreaterThan(0);
  expect(r.stdout).toContain('object_store:');
  expect(r.stdout).toContain('${ANCHORE_S3_SECRET}'); // the config block keeps references

  // The source had no analysis_archive section, so the archive shared the object store and moved with it.
  const s3Driver = createS3Driver({
    bucket,
    prefix: 'anchore/',
    url: stackEnv.s3Endpoint,
    accessKey: s3.ANCHORE_S3_ACCESS,
    secretKey: s3.ANCHORE_S3_SECRET,
  });
  const manager = createObjectStoreManager(
    s3Driver,
    { enabled: true, min_size_kbytes: 1 },
    createPgMetadataStore(catalog.pool),
  );
  for (const doc of fixture) {
    const back = await manager.get(doc.userId, doc.bucket, doc.key);
    expect(back?.equals(doc.logical)).toBe(true);
  }
  const meta = await catalog.pool.query(
    `SELECT "userId", bucket, "archiveId", content_url, is_compressed, size::int AS size FROM archive_metadata`,
  );
  expect(meta.rowCount).toBe(fixture.length);
  for (const row of meta.rows) {
    // Anchore deletes by its configured location: content_url must be exactly what the destination builds.
    expect(row.content_url).toBe(
      s3Driver.uriFor({ userId: row.userId, bucket: row.bucket, key: row.archiveId }),
    );
    const logical = fixture.find(
      (d) => d.userId === row.userId && d.bucket === row.bucket && d.key === row.archiveId,
    )?.logical;
    expect(row.is_compressed).toBe((logical?.length ?? 0) > 1024);
  }
  await s3Driver.close();
  expect((await catalog.pool.query('SELECT count(*)::int AS n FROM archive_document')).rows[0].n).toBe(0);

  const task = await catalog.pool.query(
    `SELECT t.state, m.archive_documents_to_migrate AS total, m.archive_documents_migrated AS done, m.migrate_from_driver,
            m.migrate_to_driver FROM tasks t JOIN archive_migration_tasks m USING (id) WHERE id = $1`,
    [taskId],
  );
  expect(task.rows[0]).toEqual({
    state: 'complete',
    total: fixture.length,
    done: fixture.length,
    migrate_from_driver: 'db',
    migrate_to_driver: 's3',
  });
  await expectVerifiedBeforeDeleted(catalog.pool, taskId);

  // The workflow history holds neither secrets nor document bodies.
  const client = new Client({ connection: await Connection.connect({ address: stackEnv.temporalAddress }) });
  const { rows } = await catalog.pool.query(
    'SELECT workflow_id FROM objectstorage_migrations WHERE task_id = $1',
    [taskId],
  );
  expect(rows[0].workflow_id).toBe(migrationWorkflowId(taskId, await catalogFingerprint(catalog.pool)));
  const history = await client.workflow.getHandle(rows[0].workflow_id).fetchHistory();
  const text = historyText(history);
  expect(text.includes('${ANCHORE_S3_SECRET}')).toBe(true);
  expect(text.includes(stackEnv.s3SecretKey)).toBe(false);
  expect(text.includes('ünïcode')).toBe(false);
  expect(history.events?.length ?? 0).toBeLessThan(4000);
  // Both workers took page activities from the shared task queue.
  const identities = new Set(
    (history.events ?? [])
      .map((e) => e.activityTaskStartedEventAttributes?.identity)
      .filter((i): i is string => !!i),
  );
  expect(identities.size).toBe(2);
  await client.connection.close();
  expect(worker.output() + worker2.output()).not.toContain(stackEnv.s3SecretKey);
  expect(r.stdout + r.stderr).not.toContain(stackEnv.s3SecretKey);
});

/** Every string of a history, plus the base64 payload strings decoded, so a search sees what payloads hold. */
function historyText(history: unknown): string {
  const parts: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') parts.push(v, Buffer.from(v, 'base64').toString('utf8'));
    else if (v instanceof Uint8Array) parts.push(Buffer.from(v).toString('utf8'));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(JSON.parse(JSON.stringify(history)));
  return parts.join('\n');
}
