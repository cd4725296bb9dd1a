/**
 * The Temporal Web UI in a real browser: a throttled db → s3 migration is found by its AnchoreTaskId search
 * attribute, its page shows the live progress markdown and the search attributes, and a screenshot of it goes
 * to docs/img for the README. Then the throttle is lifted and the migration completes.
 */
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { MESSAGES, type Progress } from '../../src/shared/migration';
import type { migrateStore } from '../../src/workflows/migrate-store';
import { anchoreDbStore, createTestCatalog, type TestCatalog } from '../helpers/catalog-db';
import { anchoreConfig, runCli, writeTempConfig } from '../helpers/cli';
import { loadFixture, makeFixture } from '../helpers/fixture';
import { startCli, waitFor, type RunningProcess } from '../helpers/processes';
import { stackEnv } from '../helpers/stack-env';

jest.setTimeout(300_000);

// The README's picture is refreshed on request (OBJECTSTORAGE_UPDATE_SCREENSHOT=1); otherwise the shot goes to
// the test stack's data dir, so a test run leaves the checkout unchanged.
const SCREENSHOT =
  process.env.OBJECTSTORAGE_UPDATE_SCREENSHOT === '1'
    ? join(__dirname, '../../docs/img/temporal-ui-progress.png')
    : join(process.env.OBJECTSTORAGE_DATA_DIR ?? tmpdir(), 'temporal-ui-progress.png');
const UI_TIMEOUT = 60_000; // a loaded 2-core machine renders the UI slowly
const bucket = `aos-ui-${randomUUID().slice(0, 8)}`;
const fixture = makeFixture(480);
const s3 = { ANCHORE_S3_ACCESS: stackEnv.s3AccessKey, ANCHORE_S3_SECRET: stackEnv.s3SecretKey };
let catalog: TestCatalog;
let worker: RunningProcess;
let browser: Browser;
let client: Client;
let env: Record<string, string>;

const fromFile = (): string =>
  writeTempConfig(anchoreConfig('object_store:\n  storage_driver: {name: db, config: {}}'), 'from.yaml');
const toFile = (): string =>
  writeTempConfig(
    anchoreConfig(`object_store:
  compression: {enabled: true, min_size_kbytes: 1}
  storage_driver:
    name: s3
    config:
      url: ${stackEnv.s3Endpoint}
      bucket: ${bucket}
      create_bucket: true
      access_key: \${ANCHORE_S3_ACCESS}
      secret_key: \${ANCHORE_S3_SECRET}`),
    'to.yaml',
  );

beforeAll(async () => {
  catalog = await createTestCatalog();
  const db = anchoreDbStore(catalog.pool);
  await loadFixture(db, fixture);
  env = { ANCHORE_DB_CONNECT: catalog.url, TEMPORAL_ADDRESS: stackEnv.temporalAddress, ...s3 };
  worker = startCli(['worker', '--concurrency', '2'], env);
  await waitFor(() => worker.output().includes('worker ready'), 60_000, 'worker ready');
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await client?.connection.close();
  await worker?.stop();
  await catalog?.drop();
});

async function taskRow(taskId: number): Promise<{ state: string; done: number }> {
  const { rows } = await catalog.pool.query(
    `SELECT t.state, m.archive_documents_migrated AS done FROM tasks t JOIN archive_migration_tasks m USING (id)
     WHERE id = $1`,
    [taskId],
  );
  return rows[0];
}

/** A page that may reach only the loopback UI: the test must not depend on (or leak to) the internet. */
async function loopbackPage(): Promise<Page> {
  // A laptop screen: the details pane must read without scrolling sideways.
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.route('**/*', (route) =>
    new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort(),
  );
  return page;
}

/**
 * The text of the markdown blocks the UI renders, each in an iframe of its own (on the "User Metadata" tab:
 * summary, static details, current details), once `count` of them have content.
 */
async function renderedMarkdown(page: Page, count: number): Promise<string[]> {
  let texts: string[] = [];
  await waitFor(
    async () => {
      const frames = await page.locator('iframe[title="output"]').all();
      texts = await Promise.all(
        frames.map(async (f) =>
          (await f.contentFrame().locator('body').innerText({ timeout: 5_000 })).trim(),
        ),
      ).catch(() => []);
      return texts.length === count && texts.every((t) => t.length > 0);
    },
    UI_TIMEOUT,
    `${count} rendered markdown blocks`,
  );
  return texts;
}

/**
 * Opens the workflow list filtered by a visibility query, as an operator would type it into the UI, until it
 * lists `workflowId` (the list does not refresh by itself, and visibility trails the workflow a little).
 */
async function waitForListed(page: Page, query: string, workflowId: string): Promise<Locator> {
  const url = `${stackEnv.temporalUiUrl}/namespaces/default/workflows?query=${encodeURIComponent(query)}`;
  const link = page.getByRole('link', { name: workflowId, exact: true });
  await waitFor(
    async () => {
      await page.goto(url);
      return link.waitFor({ timeout: 15_000 }).then(
        () => true,
        () => false,
      );
    },
    UI_TIMEOUT * 2,
    `${workflowId} listed for ${query}`,
  );
  return link;
}

test('the Temporal UI finds a migration by AnchoreTaskId and shows its progress and search attributes', async () => {
  const start = await runCli(
    [
      'migrate',
      fromFile(),
      toFile(),
      '--dontask',
      '--detach',
      '--page-size',
      '10',
      '--concurrency',
      '1',
      '--max-docs-per-second',
      '4',
    ],
    env,
  );
  if (start.code !== 0) throw new Error(`migrate exited ${start.code}\n${start.stdout}\n${start.stderr}`);
  const taskId = Number(/Migration Task Id: (\d+)/.exec(start.stdout)?.[1]);
  const workflowId = /Workflow: (\S+)/.exec(start.stdout)?.[1] ?? '';
  expect(taskId).toBeGreaterThan(0);
  // Some pages done first, so the page shows real progress rather than zeros.
  await waitFor(async () => (await taskRow(taskId)).done >= 30, 120_000, '30 documents migrated');

  // Paused, the run holds still (no page starts, no continue-as-new) while the browser looks.
  const paused = await runCli(['pause', String(taskId)], env);
  expect(paused.code).toBe(0);
  client = new Client({ connection: await Connection.connect({ address: stackEnv.temporalAddress }) });
  const handle = client.workflow.getHandle<typeof migrateStore>(workflowId);
  let progress = await handle.query<Progress>(MESSAGES.progress);
  await waitFor(
    async () => (progress = await handle.query<Progress>(MESSAGES.progress)).inFlightPages === 0,
    60_000,
    'in-flight pages to finish after pause',
  );
  const migrated = progress.counters.migrated;
  expect(migrated).toBeGreaterThanOrEqual(30);
  expect(migrated).toBeLessThan(fixture.length);

  const page = await loopbackPage();
  const link = await waitForListed(
    page,
    `AnchoreTaskId="${taskId}" AND ExecutionStatus="Running"`,
    workflowId,
  );
  await link.click();

  // Summary, static details and the live markdown are on the "User Metadata" tab; the markdown is rendered
  // in an iframe of its own.
  await page.getByRole('tab', { name: 'User Metadata' }).click({ timeout: UI_TIMEOUT });
  const [summary, staticDetails, current] = await renderedMarkdown(page, 3);
  expect(summary).toBe(`db:// → s3://${bucket}/ · ${fixture.length} docs · migration ${taskId}`);
  expect(staticDetails).toBe(`${fixture.length} documents · sources deleted after verify`);
  expect(current).toContain(`Anchore migration ${taskId}: db → s3`);
  expect(current).toMatch(/^paused · \d+% · /m);
  expect(current).toContain(`${migrated} of ${fixture.length} migrated · 0 failed`);
  expect(current).toContain('0 pages in flight · 0 set aside for retry');
  expect(current).toContain('throttle: concurrency 1 · ≤ 4 docs/s');
  expect(current).toMatch(/analysis_data: \d+ · [\d.]+ (B|KiB|MiB|GiB)/);
  // Every block fits its pane at 1280 px: nothing wider than the frame it is rendered in.
  for (const frame of await page.locator('iframe[title="output"]').all()) {
    const overflow = await frame
      .contentFrame()
      .locator('body')
      .evaluate(
        (b) => b.ownerDocument.documentElement.scrollWidth - b.ownerDocument.documentElement.clientWidth,
      );
    expect(overflow).toBeLessThanOrEqual(0);
  }
  await page.screenshot({ path: SCREENSHOT, fullPage: true });

  await page.getByRole('tab', { name: 'Search Attributes' }).click();
  const attributes = page.getByText('"MigrationPhase": "paused"');
  await attributes.waitFor({ timeout: UI_TIMEOUT });
  const attributesText = await page.locator('main').innerText();
  for (const expected of [
    `"AnchoreTaskId": "${taskId}"`,
    '"MigrationFromDriver": "db"',
    '"MigrationToDriver": "s3"',
    `"DocumentsTotal": ${fixture.length}`,
    `"DocumentsMigrated": ${migrated}`,
    '"DocumentsFailed": 0',
  ])
    expect(attributesText).toContain(expected);

  // The input the UI shows holds the config's secret references, never the secret itself.
  await page.getByRole('tab', { name: 'History' }).click();
  await page.getByText('"secret_key": "${ANCHORE_S3_SECRET}"').waitFor({ timeout: UI_TIMEOUT });
  expect(await page.content()).not.toContain(stackEnv.s3SecretKey);

  // Resumed at full speed, the migration completes, and the UI lists it by its phase attribute.
  expect((await runCli(['resume', String(taskId)], env)).code).toBe(0);
  const faster = ['throttle', String(taskId), '--max-docs-per-second', '0', '--concurrency', '4'];
  expect((await runCli(faster, env)).code).toBe(0);
  const result = await handle.result(); // follows continue-as-new to the last run
  expect(result).toMatchObject({ taskId, state: 'complete' });
  expect(await taskRow(taskId)).toEqual({ state: 'complete', done: fixture.length });

  await waitForListed(page, `AnchoreTaskId="${taskId}" AND MigrationPhase="done"`, workflowId);
  await page.close();
});
