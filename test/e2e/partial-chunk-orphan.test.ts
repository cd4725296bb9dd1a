/**
 * A chunk whose write fails part-way (one object's PUT keeps failing, so the page activity fails and is retried)
 * has already written the rest of its copies. When Anchore deletes one of those documents before the retry, the
 * retry no longer selects it: its copy must not stay at the destination as an orphan.
 *
 * Reproduced first as a known defect (it failed: the copy stayed, because nothing journaled the writes of a chunk
 * whose batch failed; the likely cause of a stage-cutover flake). Now the batch writes settle and report every
 * copy they made, and the page journals them before the error goes up.
 */
import type { IncomingMessage } from 'node:http';
import { createDriver } from '../../src/drivers/registry';
import { taggedFixture } from '../helpers/fixture';
import { waitFor } from '../helpers/processes';
import { proxiedWorldPerFile } from '../helpers/proxied-world';
import { s3Through, stores } from '../helpers/world';

jest.setTimeout(300_000);

const env = proxiedWorldPerFile();

test('copies a failed chunk wrote leave no orphan when Anchore deletes their documents before the retry', async () => {
  const from = stores.db();
  const direct = stores.s3();
  const to = s3Through(direct, env.proxy.url);
  const docs = taggedFixture('partial', 40);
  await env.world.load(from, docs);
  const failing = docs[30];
  const deleted = docs[5];
  if (!failing || !deleted) throw new Error('fixture too small');
  let failures = 0;
  let deleting: Promise<void> | undefined;
  env.proxy.setRule((req: IncomingMessage) => {
    if (req.method !== 'PUT' || !decodeURIComponent(req.url ?? '').includes(failing.key)) return undefined;
    // The first attempt's writes of this object all fail; by then the rest of its chunk was written. Anchore
    // deletes another document of the chunk (row first, then its object) before the page is retried.
    if (failures >= 4) return undefined;
    failures += 1;
    deleting ??= env.world.manager(from).delete(deleted.userId, deleted.bucket, deleted.key);
    return { status: 500, code: 'InternalError', message: 'We encountered an internal error.' };
  });
  const taskId = await env.world.migrateDetached(from, to);
  await waitFor(
    async () => (await env.world.task(taskId)).state !== 'running',
    240_000,
    'the migration to end',
  );
  await deleting;
  expect(failures).toBeGreaterThan(0);
  // A document Anchore deleted is no failure: every other one moved (before, the task ended failed).
  expect((await env.world.task(taskId)).state).toBe('complete');
  const dest = createDriver({ name: direct.name, config: direct.config }, { pool: env.world.pool });
  try {
    const ref = { userId: deleted.userId, bucket: deleted.bucket, key: deleted.key };
    expect(await dest.exists(dest.uriFor(ref))).toBe(false);
  } finally {
    await dest.close();
  }
});
