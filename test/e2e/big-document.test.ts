/**
 * A document larger than 2 GiB (issue 22, item 5) migrates localfs → s3 through the real CLI and worker, with
 * the worker's peak RSS (VmHWM) measured: it streams, so the peak stays far below the document's size. Before,
 * the whole body was read into memory (Node refuses to read a file over 2 GiB at all).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { once } from 'node:events';
import { localfsPath } from '../../src/drivers/localfs';
import { createPgMetadataStore } from '../../src/catalog';
import { configFile, createWorld, stores, type World } from '../helpers/world';

jest.setTimeout(900_000);

const MIB = 1024 * 1024;
const SIZE = 2 * 1024 * MIB + 3 * MIB; // over 2 GiB, not a whole number of parts
/** Peak RSS the worker may reach: its usual few hundred MiB, nowhere near the document. */
const RSS_LIMIT_MIB = 600;

let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterAll(async () => {
  await world?.close();
});

/** Peak resident set of a process, in MiB (Linux VmHWM). */
function peakRssMib(pid: number): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

test('a 2 GiB+ document moves localfs → s3 with the worker streaming it', async () => {
  const from = stores.localfs(false);
  const to = stores.s3(undefined, 'anchore/', false);
  const ref = { userId: 'admin', bucket: 'grypedb', key: 'grype-db-v6-huge.tar.zst' };
  const path = localfsPath(String(from.config['archive_data_dir']), ref);
  await mkdir(dirname(path), { recursive: true });
  // Written as Anchore would store it uncompressed: one random MiB repeated, with its md5 computed on the way.
  const block = randomBytes(MIB);
  const md5 = createHash('md5');
  const file = createWriteStream(path);
  for (let written = 0; written < SIZE; written += MIB) {
    const part = block.subarray(0, Math.min(MIB, SIZE - written));
    md5.update(part);
    if (!file.write(part)) await once(file, 'drain');
  }
  file.end();
  await once(file, 'finish');
  const digest = md5.digest('hex');
  await createPgMetadataStore(world.pool).upsert({
    ...ref,
    archiveId: ref.key,
    contentUrl: `file://${path}`,
    isCompressed: false,
    digest,
    size: SIZE,
  });

  const pid = world.worker.child.pid as number;
  const before = peakRssMib(pid);
  const r = await world.migrate(configFile(from), configFile(to));
  if (r.code !== 0)
    throw new Error(`migrate exited ${r.code}\n${r.stdout}\n${r.stderr}\n${world.worker.output()}`);
  const peak = peakRssMib(pid);
  process.stdout.write(`2 GiB+ document: worker peak RSS ${before.toFixed(0)} → ${peak.toFixed(0)} MiB\n`);
  expect(peak).toBeLessThan(RSS_LIMIT_MIB);

  const row = await world.pool.query(
    `SELECT content_url, digest, size::float8 AS size FROM archive_metadata WHERE "archiveId" = $1`,
    [ref.key],
  );
  const dest = world.manager(to).driver;
  expect(row.rows[0]).toEqual({ content_url: dest.uriFor(ref), digest, size: SIZE });
  // Read back by streaming: the object holds exactly the document's bytes.
  const back = createHash('md5');
  let size = 0;
  for await (const chunk of (await dest.openRead?.(dest.uriFor(ref))) ?? []) {
    back.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  expect({ size, md5: back.digest('hex') }).toEqual({ size: SIZE, md5: digest });
});
