/**
 * `objectstorage worker --metrics-port`: one Prometheus endpoint with the Temporal SDK's metrics and ours.
 * A throttled db → s3 migration is scraped while it runs (counters grow) and after it (counters equal what
 * the catalog says moved), with no secret or document key anywhere in the exposition.
 */
import { METRIC_NAMES } from '../../src/activities/metrics';
import { anchoreDbStore, createTestCatalog, type TestCatalog } from '../helpers/catalog-db';
import { runCli } from '../helpers/cli';
import { loadFixture, makeFixture } from '../helpers/fixture';
import { freePort, startCli, waitFor, type RunningProcess } from '../helpers/processes';
import { stackEnv } from '../helpers/stack-env';
import { configFile, stores } from '../helpers/world';

jest.setTimeout(180_000);

const fixture = makeFixture(100);
let catalog: TestCatalog;
let worker: RunningProcess;
let env: Record<string, string>;
let metricsUrl: string;
let port: number;

async function scrape(): Promise<string> {
  const res = await fetch(metricsUrl);
  expect(res.status).toBe(200);
  return res.text();
}

/** Sum of every series of `name` (all label sets); undefined when the metric is not exposed at all. */
function total(text: string, name: string): number | undefined {
  const series = text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  if (series.length === 0) return undefined;
  return series.reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

/** The value of the one series of `name` whose labels include every `labels` pair. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const line = text
    .split('\n')
    .find(
      (l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)),
    );
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

beforeAll(async () => {
  catalog = await createTestCatalog();
  const db = anchoreDbStore(catalog.pool);
  await loadFixture(db, fixture);
  env = {
    ANCHORE_DB_CONNECT: catalog.url,
    TEMPORAL_ADDRESS: stackEnv.temporalAddress,
    ANCHORE_S3_ACCESS: stackEnv.s3AccessKey,
    ANCHORE_S3_SECRET: stackEnv.s3SecretKey,
  };
  port = await freePort();
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  worker = startCli(['worker', '--concurrency', '2', '--metrics-port', String(port)], env);
  await waitFor(() => worker.output().includes('worker ready'), 60_000, 'worker ready');
});

afterAll(async () => {
  await worker?.stop();
  await catalog?.drop();
});

test('a second worker on a busy metrics port exits 1 and says which port', async () => {
  const r = await runCli(['worker', '--metrics-port', String(port)], env, 30_000);
  expect(r.code).toBe(1);
  expect(r.stdout + r.stderr).toContain(`cannot serve Prometheus metrics on 127.0.0.1:${port}`);
});

test('counters grow during a migration and equal the migrated counts after it; SDK metrics on the same endpoint', async () => {
  expect(worker.output()).toContain(`serving Prometheus metrics on http://127.0.0.1:${port}/metrics`);
  const from = configFile(stores.db());
  const to = configFile(stores.s3());
  // Throttled to ~4 s so scrapes see the migration half done.
  const migration = runCli(
    ['migrate', from, to, '--dontask', '--page-size', '10', '--max-docs-per-second', '25'],
    env,
    150_000,
  );
  let finished = false;
  void migration.then(() => (finished = true));
  const during: number[] = [];
  while (!finished) {
    during.push(total(await scrape(), METRIC_NAMES.copied) ?? 0);
    await new Promise((r) => setTimeout(r, 150));
  }
  const r = await migration;
  if (r.code !== 0) throw new Error(`migrate exited ${r.code}\n${r.stdout}\n${r.stderr}\n${worker.output()}`);

  expect(during.some((n) => n > 0 && n < fixture.length)).toBe(true);
  expect(during).toEqual([...during].sort((a, b) => a - b)); // counters never go down

  const text = await scrape();
  const moved = await catalog.pool.query(
    `SELECT count(*)::int AS docs, sum(size)::bigint AS bytes FROM archive_metadata WHERE content_url LIKE 's3://%'`,
  );
  expect(moved.rows[0].docs).toBe(fixture.length);
  expect(total(text, METRIC_NAMES.copied)).toBe(fixture.length);
  expect(total(text, METRIC_NAMES.verified)).toBe(fixture.length);
  expect(total(text, METRIC_NAMES.deleted)).toBe(fixture.length);
  expect(total(text, METRIC_NAMES.failed)).toBe(0); // exposed (zeros are recorded), and zero
  // Bytes are what the destination stores: the switched rows' sizes.
  expect(total(text, METRIC_NAMES.copiedBytes)).toBe(Number(moved.rows[0].bytes));
  expect(total(text, METRIC_NAMES.copiedBytes)).toBeGreaterThan(0);
  expect(sample(text, METRIC_NAMES.copied, { source_driver: 'db', destination_driver: 's3' })).toBe(
    fixture.length,
  );

  // Latency histogram: one sample per page stage run (10 pages of 10), each labelled with its stage.
  const duration = `${METRIC_NAMES.duration}_count`;
  for (const activity of ['copyPage', 'verifyPage', 'deletePage']) {
    expect(sample(text, duration, { activity_type: activity, outcome: 'ok' })).toBeGreaterThanOrEqual(10);
  }
  expect(text).toMatch(new RegExp(`^${METRIC_NAMES.duration}_bucket\\{.*le="0\\.5".*\\} \\d+$`, 'm'));

  // The SDK core's own metrics are on the same endpoint.
  expect(text).toMatch(/^temporal_\w+/m);
  // The SDK's own series name the activity: one pageRound per page (docs/adr/0011).
  expect(text).toMatch(/^temporal_activity_execution_latency_count\{[^}]*activity_type="pageRound"/m);

  expect(text).not.toContain(stackEnv.s3SecretKey);
  for (const doc of fixture) expect(text).not.toContain(doc.key);
});
