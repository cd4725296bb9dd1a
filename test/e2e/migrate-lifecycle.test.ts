/**
 * reverse, rollback, per-document failures and the failure report, guards: the lifecycle around a migration.
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { taggedFixture, type FixtureDoc } from '../helpers/fixture';
import type { Counters } from '../../src/shared/migration';
import { expectNamedError } from '../helpers/bad-input';
import { configFile, createWorld, expectAllAt, snapshot, stores, type World } from '../helpers/world';

jest.setTimeout(240_000);

let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterAll(() => world?.close());

/** The counters of a migrate run's summary line. */
function summaryOf(stdout: string): Required<Counters> {
  const line = /Migration result summary: (.*)/.exec(stdout)?.[1];
  if (!line) throw new Error(`no summary in:\n${stdout}`);
  return JSON.parse(line) as Required<Counters>;
}

test('db → s3, then reverse: every row and body equals the starting snapshot', async () => {
  const db = stores.db();
  const s3 = stores.s3();
  await world.load(db, taggedFixture('rev'));
  const start = await snapshot(world.pool);
  const there = await world.migrate(configFile(db), configFile(s3));
  expect(there.code).toBe(0);
  expect(await snapshot(world.pool)).not.toEqual(start);
  // Ended, its moved documents were compacted out of the journal (docs/adr/0008); reverse reads them there.
  const rows = async (table: string): Promise<number> =>
    Number(
      (await world.pool.query(`SELECT count(*) AS n FROM ${table} WHERE task_id = $1`, [there.taskId]))
        .rows[0].n,
    );
  expect([await rows('objectstorage_journal'), await rows('objectstorage_moved')]).toEqual([0, 50]);
  const back = await world.cli(['reverse', String(there.taskId), '--dontask']);
  if (back.code !== 0) throw new Error(`reverse exited ${back.code}\n${back.stdout}\n${back.stderr}`);
  expect(await snapshot(world.pool)).toEqual(start);
  // Moved and total bytes are both stored bytes at the source, whichever way compression differs: 100% each way.
  for (const run of [there, back]) {
    const c = summaryOf(run.stdout);
    expect(c.migratedBytes).toBe(c.totalBytes);
    expect(c.totalBytes).toBeGreaterThan(0);
  }
  expect(summaryOf(there.stdout).migratedDestBytes).toBeLessThan(summaryOf(there.stdout).migratedBytes);
  expect(summaryOf(back.stdout).migratedDestBytes).toBeGreaterThan(summaryOf(back.stdout).migratedBytes);
  const list = await world.cli(['list-migrations']);
  expect(list.stdout).toMatch(
    new RegExp(`^${there.taskId}\\s+complete\\s.*\\sdb\\s+s3\\s+50\\s+50\\s.*COMPLETED`, 'm'),
  );
});

test('reverse moves back what its migration moved, not what another migration put at the same location', async () => {
  const s3 = stores.s3();
  const mine = taggedFixture('revmine', 20);
  const theirs = taggedFixture('revtheirs', 15);
  await world.load(stores.db(), mine);
  await world.load(stores.db2(), theirs);
  const n = await world.migrate(configFile(stores.db()), configFile(s3));
  expect(n.code).toBe(0);
  const m = await world.migrate(configFile(stores.db2()), configFile(s3));
  expect(m.code).toBe(0);
  await expectAllAt(world, s3, [...mine, ...theirs]);
  // Earlier tests' documents back at db:// moved with mine: N's own count is what its reverse may move.
  const moved = (await world.task(n.taskId)).done;

  // It asks first, as migrate does; a no (or no terminal to answer) starts nothing.
  for (const answer of ['n\n', '']) {
    const asked = await world.cli(['reverse', String(n.taskId)], {}, answer);
    expect(asked.code).toBe(0);
    expect(asked.stdout).toContain(`Reversing migration ${n.taskId}: ${moved} documents it moved`);
    expect(asked.stderr).toMatch(/proceed\? \(y\/N\)/);
    expect(asked.stdout).toContain('Skipping');
  }
  await expectAllAt(world, s3, [...mine, ...theirs]);

  const back = await world.cli(['reverse', String(n.taskId)], {}, 'y\n');
  if (back.code !== 0) throw new Error(`reverse exited ${back.code}\n${back.stdout}\n${back.stderr}`);
  await expectAllAt(world, stores.db(), mine);
  await expectAllAt(world, s3, theirs);
});

test('reverse of a migration whose journal was pruned is refused by name, and says what to run instead', async () => {
  const s3 = stores.s3();
  await world.load(stores.db(), taggedFixture('revpruned', 10));
  const n = await world.migrate(configFile(stores.db()), configFile(s3));
  expect(n.code).toBe(0);
  const pruned = await world.cli(['prune', String(n.taskId), '--older-than', '0s']);
  expect(pruned.code).toBe(0);
  await expectNamedError(
    await world.cli(['reverse', String(n.taskId), '--dontask']),
    'JournalPrunedError',
    3,
    /which documents it moved.*objectstorage migrate/s,
  );
});

test('rollback of a --nodelete migration restores the snapshot and removes the copies', async () => {
  const from = stores.db2();
  const to = stores.localfs();
  await world.load(from, taggedFixture('rollback'));
  const start = await snapshot(world.pool);
  const r = await world.migrate(configFile(from), configFile(to), '--nodelete');
  expect(r.code).toBe(0);
  const rb = await world.cli(['rollback', String(r.taskId)]);
  if (rb.code !== 0) throw new Error(`rollback exited ${rb.code}\n${rb.stdout}\n${rb.stderr}`);
  expect(rb.stdout).toContain('50 document(s) point at their sources again, 50 copies removed');
  expect(await snapshot(world.pool)).toEqual(start);
  const dest = world.manager(to).driver;
  const { rows } = await world.pool.query(`SELECT dest_url FROM objectstorage_journal WHERE task_id = $1`, [
    r.taskId,
  ]);
  for (const row of rows) expect(await dest.exists(row.dest_url)).toBe(false);
});

test('rollback after sources were deleted is refused with an explanation (exit 3)', async () => {
  const from = stores.db();
  const to = stores.db2();
  await world.load(from, taggedFixture('norollback', 10));
  const r = await world.migrate(configFile(from), configFile(to));
  expect(r.code).toBe(0);
  const rb = await world.cli(['rollback', String(r.taskId)]);
  expect(rb.code).toBe(3);
  expect(rb.stderr).toContain('GuardRefusedError');
  expect(rb.stderr).toContain(`objectstorage reverse ${r.taskId}`);
});

test('a corrupt source and a digest mismatch end as failed, listed exactly; everything else migrates', async () => {
  const from = stores.db2(false);
  const to = stores.s3();
  const docs = taggedFixture('corrupt', 40);
  await world.load(from, docs);
  const [bad1, bad2] = [docs[5] as FixtureDoc, docs[6] as FixtureDoc];
  // One bit flipped behind Anchore's back (same size): digest mismatch.
  await world.pool.query(
    `UPDATE object_storage SET content = set_byte(content, 0, get_byte(content, 0) # 1) WHERE "userId" = $1 AND bucket = $2 AND key = $3`,
    [bad1.userId, bad1.bucket, bad1.key],
  );
  // Flagged compressed but not zlib, digest matching the stored bytes: corrupt source.
  await world.pool.query(
    `UPDATE archive_metadata SET is_compressed = true, digest = NULL WHERE "userId" = $1 AND bucket = $2 AND "archiveId" = $3`,
    [bad2.userId, bad2.bucket, bad2.key],
  );
  // What the good documents at the source hold (earlier tests left theirs there too).
  const [expected] = (
    await world.pool.query<{ stored: number; logical: number; compressed: number }>(
      `SELECT sum(size)::float8 AS stored, coalesce(sum(size) FILTER (WHERE NOT is_compressed), 0)::float8 AS logical,
              count(*) FILTER (WHERE is_compressed)::int AS compressed
       FROM archive_metadata WHERE starts_with(content_url, 'db2://')
         AND ("userId", bucket, "archiveId") NOT IN (($1, $2, $3), ($4, $5, $6))`,
      [bad1.userId, bad1.bucket, bad1.key, bad2.userId, bad2.bucket, bad2.key],
    )
  ).rows;
  if (!expected) throw new Error('no rows');
  const r = await world.migrate(configFile(from), configFile(to));
  expect(r.code).toBe(2);
  expect(r.stdout).toContain('2 document(s) failed');
  // Bytes count only documents whose copy was verified and switched, in named units: the source's stored bytes,
  // the destination's (s3 compresses), and logical bytes wherever one end stores them uncompressed.
  const c = summaryOf(r.stdout);
  expect(c.migratedBytes).toBe(expected.stored);
  expect(c.migratedLogicalBytes).toBe(expected.logical);
  expect(c.logicalUnknown).toBe(expected.compressed);
  expect(c.migratedDestBytes).toBeGreaterThan(0);
  expect(c.migratedDestBytes).toBeLessThan(expected.stored);
  expect(c.totalBytes).toBe(expected.stored + bad1.logical.length + bad2.logical.length);
  expect(r.stdout).toMatch(
    /^Bytes: [\d.]+ K?i?B of [\d.]+ K?i?B stored at the source moved · [\d.]+ K?i?B stored at the destination · [\d.]+ K?i?B logical \(\+\d+ documents compressed at both ends, not read\)$/m,
  );
  const csv = join(tmpdir(), `failures-${r.taskId}-${process.pid}.csv`);
  const st = await world.cli(['status', String(r.taskId), '--failures', csv]);
  expect(st.code).toBe(0);
  const lines = readFileSync(csv, 'utf8').trim().split('\n');
  expect(lines).toHaveLength(3);
  expect(
    lines
      .slice(1)
      .map((l) => l.split(',')[5])
      .sort(),
  ).toEqual(['corrupt_source', 'digest_mismatch']);
  const task = await world.pool.query(`SELECT state FROM tasks WHERE id = $1`, [r.taskId]);
  expect(task.rows[0].state).toBe('failed');
  await expectAllAt(
    world,
    to,
    docs.filter((d) => d !== bad1 && d !== bad2),
  );
  // Failed documents are untouched at the source.
  const m = world.manager(from);
  expect(
    (await world.pool.query(`SELECT count(*)::int AS n FROM object_storage WHERE "userId" LIKE 'corrupt-%'`))
      .rows[0].n,
  ).toBe(2);
  await expect(m.get(bad1.userId, bad1.bucket, bad1.key)).rejects.toMatchObject({
    name: 'DigestMismatchError',
  });
});

test('guards: same location, live Anchore services, and a migration already running are refused (exit 3)', async () => {
  const db = stores.db();
  const same = await world.migrate(configFile(db), configFile(stores.db()));
  expect(same.code).toBe(3);
  expect(same.stderr).toContain('same location');

  await world.pool.query(
    `INSERT INTO services (hostid, servicename, heartbeat, status, record_state_key) VALUES ('anchore-1', 'catalog', $1, true, 'active')`,
    [Math.floor(Date.now() / 1000)],
  );
  const live = await world.migrate(configFile(stores.db()), configFile(stores.db2()));
  expect(live.code).toBe(3);
  expect(live.stderr).toContain('catalog@anchore-1');
  await world.pool.query(`DELETE FROM services`);

  await world.load(stores.db(), taggedFixture('busy', 30));
  const first = await world.cli([
    'migrate',
    configFile(stores.db()),
    configFile(stores.db2()),
    '--dontask',
    '--detach',
    // The first 10-document page starts at once, the next waits 50 s: still running when the second is refused.
    '--page-size',
    '10',
    '--max-docs-per-second',
    '0.2',
  ]);
  expect(first.code).toBe(0);
  const second = await world.migrate(configFile(stores.db2()), configFile(stores.localfs()));
  expect(second.code).toBe(3);
  expect(second.stderr).toContain('still running');
  const taskId = /Migration Task Id: (\d+)/.exec(first.stdout)?.[1] as string;
  const cancel = await world.cli(['cancel', taskId]);
  expect(cancel.code).toBe(0);
});

test('--json: migrate prints one JSON event per line; status --watch of a finished migration returns', async () => {
  // A fresh localfs location: only these 20 documents are there (selection is by location).
  const from = stores.localfs();
  await world.load(from, taggedFixture('json', 20));
  const r = await world.cli(['--json', 'migrate', configFile(from), configFile(stores.db2()), '--dontask']);
  expect(r.code).toBe(0);
  const events = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { event: string; taskId?: number; state?: string });
  expect(events[0]).toMatchObject({ event: 'started', total: 20 });
  expect(events[events.length - 1]).toMatchObject({ event: 'finished', state: 'complete' });
  const watch = await world.cli(['--json', 'status', String(events[0]?.taskId), '--watch']);
  expect(watch.code).toBe(0);
  expect(watch.stdout).toContain('"state": "complete"');
});

test('prune removes journal rows no command needs, keeps what rollback and --failures read, and list-migrations shows the journal', async () => {
  // Left by the tests above: complete migrations (sources deleted), a rolled-back one, a cancelled one.
  // A fresh location: only these 15 documents are there (selection is by location).
  const keep = stores.localfs();
  await world.load(keep, taggedFixture('prune-keep', 15));
  const rollbackable = await world.migrate(configFile(keep), configFile(stores.localfs()), '--nodelete');
  expect(rollbackable.code).toBe(0);
  const rows = async (taskId: number): Promise<number> =>
    Number(
      (await world.pool.query('SELECT count(*) AS n FROM objectstorage_journal WHERE task_id = $1', [taskId]))
        .rows[0].n,
    );
  const before = await world.cli(['list-migrations']);
  expect(before.stdout).toMatch(/journal rows/);
  expect(before.stdout).toMatch(/^Journal: \d+ row\(s\), [\d.]+ (B|KiB|MiB|GiB) /m);
  expect(before.stdout).toMatch(new RegExp(`^${rollbackable.taskId}\\s+complete\\s.*\\s15(\\s|$)`, 'm'));

  const dry = await world.cli(['prune', '--older-than', '0s', '--dry-run']);
  expect(dry.code).toBe(0);
  expect(await rows(rollbackable.taskId)).toBe(15);
  const pruned = await world.cli(['--json', 'prune', '--older-than', '0s']);
  expect(pruned.code).toBe(0);
  const decisions = JSON.parse(pruned.stdout).migrations as Array<{
    taskId: number;
    removed: number;
    why?: string;
  }>;
  const mine = decisions.find((d) => d.taskId === rollbackable.taskId);
  expect(mine).toMatchObject({
    removed: 0,
    why: `objectstorage rollback ${rollbackable.taskId} still needs them`,
  });
  expect(await rows(rollbackable.taskId)).toBe(15);
  // Every other ended migration keeps only failed rows and copies never switched.
  const left = await world.pool.query(
    `SELECT DISTINCT phase FROM objectstorage_journal WHERE task_id <> $1`,
    [rollbackable.taskId],
  );
  for (const r of left.rows) expect(['failed', 'copied', 'verified', 'stale']).toContain(r.phase);
  expect(decisions.reduce((n, d) => n + d.removed, 0)).toBeGreaterThan(0);
  // The rollback it kept the journal for still works.
  const rb = await world.cli(['rollback', String(rollbackable.taskId)]);
  expect(rb.code).toBe(0);
  expectNamedError(
    await world.cli(['prune', '--older-than', 'soon']),
    'UsageError',
    1,
    /--older-than must be/,
  );
});
