/**
 * A rolling restart of workers in the middle of a migration, as Kubernetes does it: a new worker starts and
 * becomes ready (`/readyz`), the old one gets SIGTERM, takes no new work, finishes or hands back what it runs and
 * exits 0; the migration completes with no failed document and no page left half-journaled. The probes answer
 * what the worker waits for.
 */
import { taggedFixture } from '../helpers/fixture';
import { freePort, startCli, waitFor, type RunningProcess } from '../helpers/processes';
import {
  createWorld,
  expectAllAt,
  expectVerifiedBeforeDeleted,
  stores,
  type StoreSpec,
  type World,
} from '../helpers/world';
import { ALL_JOURNAL_ROWS } from '../helpers/journal-rows';

jest.setTimeout(300_000);

let world: World;
const extra: RunningProcess[] = [];

beforeAll(async () => {
  world = await createWorld();
  await waitFor(() => world.worker.output().includes('worker ready'), 60_000, 'first worker ready');
});
afterAll(async () => {
  await Promise.all(extra.map((w) => w.stop()));
  await world?.close();
});

async function probe(port: number, path: string): Promise<{ status: number; body: string }> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: res.status, body: await res.text() };
  } catch {
    return { status: 0, body: '' };
  }
}

async function startWorker(args: string[], env: Record<string, string> = {}): Promise<RunningProcess> {
  const w = startCli(['worker', '--concurrency', '6', ...args], { ...world.env, ...env });
  extra.push(w);
  return w;
}

/** Loads `n` documents into a db store and starts a throttled, detached migration of them to `to`. */
async function startThrottled(
  tag: string,
  n: number,
  to: StoreSpec,
  o: { pageSize: number; concurrency: number; docsPerSecond: number },
): Promise<{ taskId: number; docs: ReturnType<typeof taggedFixture> }> {
  const from = stores.db();
  const docs = taggedFixture(tag, n);
  await world.load(from, docs);
  const taskId = await world.migrateDetached(
    from,
    to,
    '--page-size',
    String(o.pageSize),
    '--concurrency',
    String(o.concurrency),
    '--max-docs-per-second',
    String(o.docsPerSecond),
  );
  return { taskId, docs };
}

async function expectCleanEnd(taskId: number, to: StoreSpec, docs: ReturnType<typeof taggedFixture>) {
  await waitFor(
    async () => ['complete', 'failed'].includes((await world.task(taskId)).state),
    200_000,
    `migration ${taskId} to end`,
  );
  expect(await world.task(taskId)).toEqual({ state: 'complete', total: docs.length, done: docs.length });
  const phases = await world.pool.query(
    `SELECT phase, count(*)::int AS n FROM ${ALL_JOURNAL_ROWS} j WHERE task_id = $1 GROUP BY phase`,
    [taskId],
  );
  expect(phases.rows).toEqual([{ phase: 'deleted', n: docs.length }]);
  await expectAllAt(world, to, docs);
  await expectVerifiedBeforeDeleted(world.pool, taskId);
}

test('probes: /healthz answers at once, /readyz says what the worker waits for until it polls', async () => {
  const port = await freePort();
  const deadTemporal = await freePort();
  const w = await startWorker(['--health-port', String(port)], {
    TEMPORAL_ADDRESS: `127.0.0.1:${deadTemporal}`,
  });
  await waitFor(async () => (await probe(port, '/healthz')).status === 200, 30_000, '/healthz');
  await waitFor(async () => (await probe(port, '/readyz')).status === 503, 10_000, '/readyz 503');
  expect((await probe(port, '/readyz')).body).toContain(`waiting for Temporal at 127.0.0.1:${deadTemporal}`);
  expect(await w.stop()).toBe(0);

  const ready = await startWorker(['--health-port', String(port)]);
  await waitFor(async () => (await probe(port, '/readyz')).status === 200, 60_000, '/readyz 200');
  expect((await probe(port, '/readyz')).body).toContain('ready');
  expect((await probe(port, '/nope')).status).toBe(404);
  expect(await ready.stop()).toBe(0);
});

test('rolling restart mid-migration: the new worker gets ready, the old one drains on SIGTERM and exits 0', async () => {
  const to = stores.s3();
  const { taskId, docs } = await startThrottled('roll', 300, to, {
    pageSize: 10,
    concurrency: 2,
    docsPerSecond: 25,
  });
  await waitFor(async () => (await world.task(taskId)).done >= 40, 60_000, 'some documents migrated');

  const port = await freePort();
  const next = await startWorker(['--health-port', String(port)]);
  await waitFor(async () => (await probe(port, '/readyz')).status === 200, 60_000, 'new worker ready');
  const old = world.worker;
  // Mid-migration when the old worker is told to stop, and still after it drained: the new worker ends it.
  expect((await world.task(taskId)).done).toBeLessThan(docs.length);
  const stopped = Date.now();
  expect(await old.stop('SIGTERM')).toBe(0);
  expect(Date.now() - stopped).toBeLessThan(35_000);
  expect(old.output()).toContain('stopping: no new work is taken');
  expect(old.output()).toContain('stopped: every in-flight activity finished or went back to the queue');
  expect((await world.task(taskId)).done).toBeLessThan(docs.length);
  world.worker = next;

  await expectCleanEnd(taskId, to, docs);
});

test('a grace shorter than a page: in-flight pages are handed back and redone elsewhere, none failed', async () => {
  const to = stores.localfs();
  const hasty = await startWorker(['--shutdown-grace', '1']);
  await waitFor(() => hasty.output().includes('worker ready'), 60_000, 'hasty worker ready');
  // Slow enough that every page activity is mid-way when the signal comes.
  const { taskId, docs } = await startThrottled('grace', 200, to, {
    pageSize: 20,
    concurrency: 4,
    docsPerSecond: 20,
  });
  await waitFor(async () => (await world.task(taskId)).done >= 20, 60_000, 'some documents migrated');
  const stopped = Date.now();
  expect(await hasty.stop('SIGTERM')).toBe(0);
  expect(Date.now() - stopped).toBeLessThan(15_000);
  await expectCleanEnd(taskId, to, docs);
});

test('drain then deploy: drain pauses with no page in flight, the new worker resumes it to the end', async () => {
  const quiet = await world.cli(['drain']);
  expect(quiet.code).toBe(0);
  expect(quiet.stdout).toContain('no migration is running on this catalog');

  const to = stores.s3();
  const { taskId, docs } = await startThrottled('drain', 200, to, {
    pageSize: 10,
    concurrency: 3,
    docsPerSecond: 50,
  });
  await waitFor(async () => (await world.task(taskId)).done >= 20, 60_000, 'some documents migrated');
  const drained = await world.cli(['drain', '--timeout', '120']);
  if (drained.code !== 0)
    throw new Error(`drain exited ${drained.code}\n${drained.stdout}\n${drained.stderr}`);
  expect(drained.stdout).toContain(`migration ${taskId} is paused with no page in flight`);
  expect(drained.stdout).toContain(`objectstorage resume ${taskId}`);
  const atDrain = (await world.task(taskId)).done;
  const unfinished = await world.pool.query(
    `SELECT count(*)::int AS n FROM objectstorage_journal WHERE task_id = $1 AND phase NOT IN ('deleted')`,
    [taskId],
  );
  expect(unfinished.rows[0].n).toBe(0); // every page it started went all the way

  // The deploy: the old worker goes, a new one comes; nothing moved meanwhile.
  expect(await world.worker.stop('SIGTERM')).toBe(0);
  world.worker = await startWorker([]);
  await waitFor(() => world.worker.output().includes('worker ready'), 60_000, 'new worker ready');
  expect((await world.task(taskId)).done).toBe(atDrain);
  const resumed = await world.cli(['resume', String(taskId)]);
  expect(resumed.code).toBe(0);
  await expectCleanEnd(taskId, to, docs);
});
