/**
 * One catalog, one worker process and helpers to load fixtures and run CLI commands: the world an end-to-end
 * migration test needs. Everything real: PostgreSQL, the Temporal dev server, VersityGW, the built CLI.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { createPgMetadataStore } from '../../src/catalog';
import { createObjectStoreManager, type ObjectStoreManager } from '../../src/drivers/manager';
import { createDriver } from '../../src/drivers/registry';
import { createTestCatalog, type TestCatalog } from './catalog-db';
import { anchoreConfig, runCli, writeTempConfig, type CliResult } from './cli';
import type { FixtureDoc } from './fixture';
import { startCli, type RunningProcess } from './processes';
import { stackEnv } from './stack-env';
import { ALL_JOURNAL_ROWS } from './journal-rows';

/** A store section as a test writes it: YAML for the config file, plus what the test needs to build a manager. */
export interface StoreSpec {
  readonly yaml: string;
  readonly name: string;
  readonly config: Record<string, unknown>;
  readonly compression: { enabled: boolean; min_size_kbytes: number };
}

const s3Creds = { ANCHORE_S3_ACCESS: stackEnv.s3AccessKey, ANCHORE_S3_SECRET: stackEnv.s3SecretKey };
const swiftCreds = { ANCHORE_SWIFT_KEY: stackEnv.swiftKey };

function spec(
  name: string,
  config: Record<string, unknown>,
  compressed: boolean,
  yamlConfig?: string,
): StoreSpec {
  const compression = { enabled: compressed, min_size_kbytes: 1 };
  const body = yamlConfig ?? JSON.stringify(config);
  return {
    yaml: `compression: {enabled: ${compressed}, min_size_kbytes: 1}\nstorage_driver:\n  name: ${name}\n  config: ${body}`,
    name,
    config,
    compression,
  };
}

function s3Store(url: string, bucket: string, prefix: string, compressed: boolean): StoreSpec {
  const config = { url, bucket, prefix, create_bucket: true };
  const yaml = `{url: '${config.url}', bucket: ${bucket}, prefix: '${prefix}', create_bucket: true, access_key: \${ANCHORE_S3_ACCESS}, secret_key: \${ANCHORE_S3_SECRET}}`;
  return spec(
    's3',
    { ...config, access_key: s3Creds.ANCHORE_S3_ACCESS, secret_key: s3Creds.ANCHORE_S3_SECRET },
    compressed,
    yaml,
  );
}

/** An s3 store reached at `url` (a proxy in front of its server) instead of directly. */
export function s3Through(spec: StoreSpec, url: string): StoreSpec {
  const direct = String(spec.config['url']);
  return { ...spec, yaml: spec.yaml.replace(direct, url), config: { ...spec.config, url } };
}

export const stores = {
  db: (): StoreSpec => spec('db', {}, false),
  db2: (compressed = true): StoreSpec => spec('db2', {}, compressed),
  /** A data directory as Anchore leaves it: created (writes never create it). */
  localfs: (compressed = true): StoreSpec => {
    const dir = join(mkdtempSync(join(tmpdir(), 'aos-fs-')), 'data');
    mkdirSync(dir);
    return spec('localfs', { archive_data_dir: dir }, compressed);
  },
  s3: (bucket = `aos-${randomUUID().slice(0, 8)}`, prefix = 'anchore/', compressed = true): StoreSpec =>
    s3Store(stackEnv.s3Endpoint, bucket, prefix, compressed),
  /** The same, on the stack's second S3 server (SeaweedFS). */
  seaweed: (bucket = `aos-${randomUUID().slice(0, 8)}`, prefix = 'anchore/', compressed = true): StoreSpec =>
    s3Store(stackEnv.s3bEndpoint, bucket, prefix, compressed),
  /** The stack's Swift with tempauth (v1); the key reaches workers as ${ANCHORE_SWIFT_KEY}. */
  swift: (
    container = `aos-${randomUUID().slice(0, 8)}`,
    prefix = 'anchore/',
    compressed = true,
  ): StoreSpec => {
    const config = {
      auth: stackEnv.swiftAuthUrl,
      user: stackEnv.swiftUser,
      container,
      anchore_key_prefix: prefix,
      create_container: true,
    };
    const yaml = `{auth: '${config.auth}', user: '${config.user}', key: \${ANCHORE_SWIFT_KEY}, container: ${container}, anchore_key_prefix: '${prefix}', create_container: true}`;
    return spec('swift', { ...config, key: swiftCreds.ANCHORE_SWIFT_KEY }, compressed, yaml);
  },
};

/** A config file with an object_store section and, optionally, an analysis_archive section. */
export function configFile(objectStore: StoreSpec, analysisArchive?: StoreSpec): string {
  const indent = (y: string): string => y.replace(/^/gm, '  ');
  let text = `object_store:\n${indent(objectStore.yaml)}`;
  if (analysisArchive) text += `\nanalysis_archive:\n${indent(analysisArchive.yaml)}`;
  return writeTempConfig(anchoreConfig(text));
}

export interface World {
  readonly catalog: TestCatalog;
  /** Starts another worker process for this catalog (with extra environment). */
  startWorker(extraEnv?: Record<string, string>): RunningProcess;
  /** The Anchore task row's state and counts. */
  task(taskId: number): Promise<{ state: string; total: number; done: number }>;
  readonly pool: Pool;
  readonly env: Record<string, string>;
  worker: RunningProcess;
  manager(store: StoreSpec): ObjectStoreManager;
  load(store: StoreSpec, docs: readonly FixtureDoc[]): Promise<void>;
  /** Runs the CLI; `input` is what the operator types (stdin is closed after it). */
  cli(args: readonly string[], extraEnv?: Record<string, string>, input?: string): Promise<CliResult>;
  migrate(from: string, to: string, ...args: string[]): Promise<CliResult & { taskId: number }>;
  /** Starts `migrate FROM TO --dontask --detach ...args` (throws with its output unless it exits 0): its task id. */
  migrateDetached(from: StoreSpec, to: StoreSpec, ...args: string[]): Promise<number>;
  close(): Promise<void>;
}

export async function createWorld(extraEnv: Record<string, string> = {}): Promise<World> {
  const catalog = await createTestCatalog();
  const env = {
    ANCHORE_DB_CONNECT: catalog.url,
    TEMPORAL_ADDRESS: stackEnv.temporalAddress,
    ...s3Creds,
    ...swiftCreds,
    ...extraEnv,
  };
  const managers: ObjectStoreManager[] = [];
  const world: World = {
    catalog,
    pool: catalog.pool,
    env,
    worker: startCli(['worker', '--concurrency', '6'], env),
    startWorker: (more = {}) => startCli(['worker', '--concurrency', '6'], { ...env, ...more }),
    async task(taskId) {
      const r = await catalog.pool.query(
        `SELECT t.state, m.archive_documents_to_migrate AS total, m.archive_documents_migrated AS done
         FROM tasks t JOIN archive_migration_tasks m USING (id) WHERE id = $1`,
        [taskId],
      );
      return r.rows[0];
    },
    manager(store) {
      const driver = createDriver({ name: store.name, config: store.config }, { pool: catalog.pool });
      const m = createObjectStoreManager(driver, store.compression, createPgMetadataStore(catalog.pool));
      managers.push(m);
      return m;
    },
    async load(store, docs) {
      const m = world.manager(store);
      await m.driver.selfCheck();
      for (const d of docs) await m.put(d.userId, d.bucket, d.key, d.logical);
    },
    cli: (args, extraEnv = {}, input = '') => runCli(args, { ...env, ...extraEnv }, 150_000, input),
    async migrate(from, to, ...args) {
      const r = await world.cli(['migrate', from, to, '--dontask', '--page-size', '25', ...args]);
      return { ...r, taskId: Number(/Migration Task Id: (\d+)/.exec(r.stdout)?.[1] ?? 0) };
    },
    async migrateDetached(from, to, ...args) {
      const r = await world.cli([
        'migrate',
        configFile(from),
        configFile(to),
        '--dontask',
        '--detach',
        ...args,
      ]);
      if (r.code !== 0) throw new Error(`migrate exited ${r.code}\n${r.stdout}\n${r.stderr}`);
      return Number(/Migration Task Id: (\d+)/.exec(r.stdout)?.[1]);
    },
    async close() {
      await world.worker.stop();
      await Promise.all(managers.map((m) => m.driver.close()));
      await catalog.drop();
    },
  };
  return world;
}

/** Every document reads back through `store` with its fixture bytes, and its content_url is where `store` puts it. */
export async function expectAllAt(
  world: World,
  store: StoreSpec,
  docs: readonly FixtureDoc[],
): Promise<void> {
  const m = world.manager(store);
  for (const d of docs) {
    const back = await m.get(d.userId, d.bucket, d.key);
    if (!back?.equals(d.logical))
      throw new Error(`${d.userId}/${d.bucket}/${d.key} does not read back through ${store.name}`);
    const row = await world.pool.query(
      `SELECT content_url FROM archive_metadata WHERE "userId" = $1 AND bucket = $2 AND "archiveId" = $3`,
      [d.userId, d.bucket, d.key],
    );
    expect(row.rows[0].content_url).toBe(m.driver.uriFor({ userId: d.userId, bucket: d.bucket, key: d.key }));
  }
}

/** archive_metadata and both body tables without timestamps: equal snapshots mean byte-identical stores. */
export async function snapshot(pool: Pool): Promise<unknown> {
  const q = async (sql: string): Promise<unknown[]> => (await pool.query(sql)).rows;
  return {
    metadata: await q(
      `SELECT bucket, "archiveId", "userId", "documentName", content_url, is_compressed, digest, size, document_metadata,
              record_state_key, record_state_val FROM archive_metadata ORDER BY 1, 2, 3, 4`,
    ),
    documents: await q(
      `SELECT bucket, "archiveId", "userId", "documentName", jsondata, b64_encoded, record_state_key FROM archive_document
       ORDER BY 1, 2, 3, 4`,
    ),
    objects: await q(
      `SELECT "userId", bucket, key, version, md5(content) AS md5 FROM object_storage ORDER BY 1, 2, 3, 4`,
    ),
  };
}

/** No journaled document of `taskId` had its source deleted before its copy was verified and switched. */
export async function expectVerifiedBeforeDeleted(pool: Pool, taskId: number): Promise<void> {
  const order = await pool.query(
    `SELECT count(*) FILTER (WHERE NOT (phase = 'deleted' AND copied_at <= verified_at
       AND verified_at <= switched_at AND switched_at <= deleted_at))::int AS bad, count(*)::int AS n
     FROM ${ALL_JOURNAL_ROWS} j WHERE task_id = $1`,
    [taskId],
  );
  expect(order.rows[0]).toEqual({ bad: 0, n: expect.any(Number) });
  expect(order.rows[0].n).toBeGreaterThan(0);
}

/**
 * Migrates `from` → `to` and checks the outcome: the task row complete, the journal order, every document at the
 * destination with its bytes, no metadata row left at the source location, and the first `sourcesChecked`
 * source objects gone from the old location (deleted, not only unlinked). Returns the CLI result.
 */
export async function expectMigrated(
  world: World,
  from: StoreSpec,
  to: StoreSpec,
  docs: readonly FixtureDoc[],
  opts: { pageSize: number; sourcesChecked?: number },
): Promise<CliResult & { taskId: number }> {
  const source = world.manager(from).driver;
  const r = await world.migrate(configFile(from), configFile(to), '--page-size', String(opts.pageSize));
  if (r.code !== 0)
    throw new Error(`migrate exited ${r.code}\n${r.stdout}\n${r.stderr}\n${world.worker.output()}`);
  expect(await world.task(r.taskId)).toEqual({ state: 'complete', total: docs.length, done: docs.length });
  await expectVerifiedBeforeDeleted(world.pool, r.taskId);
  await expectAllAt(world, to, docs);
  const left = await world.pool.query(
    `SELECT count(*)::int AS n FROM archive_metadata WHERE starts_with(content_url, $1)`,
    [source.location],
  );
  expect(left.rows[0].n).toBe(0);
  for (const d of docs.slice(0, opts.sourcesChecked ?? docs.length)) {
    expect(await source.exists(source.uriFor({ userId: d.userId, bucket: d.bucket, key: d.key }))).toBe(
      false,
    );
  }
  return r;
}
