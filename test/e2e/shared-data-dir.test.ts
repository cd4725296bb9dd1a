/**
 * Every worker must see the same localfs directory (issue 22, item 6). A worker whose archive_data_dir path
 * holds another directory — a local disk or an emptyDir where the shared volume should be mounted, simulated
 * with a bind mount in a mount namespace of its own — used to write copies there, verify them there, switch the
 * rows and delete the sources: documents lost for Anchore. prepare's marker now refuses that worker by name.
 */
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { taggedFixture, type FixtureDoc } from '../helpers/fixture';
import { startCli, waitFor } from '../helpers/processes';
import { configFile, createWorld, stores, type World } from '../helpers/world';

jest.setTimeout(240_000);

let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterAll(() => world?.close());

test('a worker that sees another directory at the data dir path is refused; nothing is lost', async () => {
  const from = stores.db();
  const to = stores.localfs();
  const dir = to.config.archive_data_dir as string;
  const elsewhere = join(mkdtempSync(join(tmpdir(), 'aos-elsewhere-')), 'data');
  mkdirSync(elsewhere);
  const docs = taggedFixture('shareddir', 60);
  await world.load(from, docs);
  const args = ['migrate', configFile(from), configFile(to), '--dontask', '--page-size', '5'];
  const migrate = startCli([...args, '--max-docs-per-second', '10'], world.env);
  await waitFor(async () => /Migration Task Id: (\d+)/.test(migrate.output()), 60_000, 'the migration');
  const taskId = Number(/Migration Task Id: (\d+)/.exec(migrate.output())?.[1]);
  await waitFor(async () => (await world.task(taskId)).done >= 5, 60_000, 'the first pages');

  // The good worker goes; a worker with its own directory at the same path takes over.
  await world.worker.stop();
  const stranger = startCli(['worker', '--concurrency', '6'], world.env, [
    'unshare',
    '-m',
    'sh',
    '-c',
    `mount --bind ${elsewhere} ${dir} && exec "$0" "$@"`,
  ]);
  try {
    const code = await migrate.stop('SIGCONT'); // waits for it to end by itself
    expect(migrate.output()).toMatch(
      /DataDirNotSharedError: .*archive_data_dir .* is not the directory the migration prepared/,
    );
    expect(code).toBe(1);
  } finally {
    await stranger.stop();
  }
  // Nothing was written into the other directory, and every document reads back where its row points.
  expect(readdirSync(elsewhere)).toEqual([]);
  const atDest = world.manager(to);
  const atSource = world.manager(from);
  for (const d of docs as FixtureDoc[]) {
    const row = await world.pool.query(
      `SELECT content_url FROM archive_metadata WHERE "userId" = $1 AND bucket = $2 AND "archiveId" = $3`,
      [d.userId, d.bucket, d.key],
    );
    const m = String(row.rows[0].content_url).startsWith('file://') ? atDest : atSource;
    expect((await m.get(d.userId, d.bucket, d.key))?.equals(d.logical)).toBe(true);
  }
});
