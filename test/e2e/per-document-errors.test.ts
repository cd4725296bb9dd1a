/**
 * A document the destination or the source refuses on its own (a key too long for the server, an object a KMS
 * key or an ACL denies) fails alone, journaled with its own code; the rest of the migration goes on. Only a
 * bucket-level call or the self-check stops a migration for credentials (issue 22, item 2).
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeObjectKey } from '../../src/drivers/uri';
import { taggedFixture, type FixtureDoc } from '../helpers/fixture';
import { proxiedWorldPerFile } from '../helpers/proxied-world';
import { configFile, expectAllAt, s3Through, stores, type StoreSpec } from '../helpers/world';

jest.setTimeout(180_000);

const env = proxiedWorldPerFile();

async function failures(taskId: number): Promise<string[][]> {
  const csv = join(tmpdir(), `per-doc-${taskId}-${process.pid}.csv`);
  const st = await env.world.cli(['status', String(taskId), '--failures', csv]);
  expect(st.code).toBe(0);
  return readFileSync(csv, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));
}

test('a key the destination refuses (400 KeyTooLongError) fails that document alone; the others move', async () => {
  const from = stores.db();
  const to = stores.s3();
  const docs = taggedFixture('longkey', 20);
  // VersityGW keeps objects as files: a 300-character path segment is longer than a file name may be.
  const long: FixtureDoc = { ...(docs[3] as FixtureDoc), key: `long-${'k'.repeat(300)}` };
  const rest = docs.filter((_, i) => i !== 3);
  await env.world.load(from, [...rest, long]);
  const r = await env.world.migrate(configFile(from), configFile(to));
  expect(r.stderr).not.toMatch(/BadCredentialsError/);
  expect(r.code).toBe(2);
  expect(r.stdout).toContain('1 document(s) failed');
  await expectAllAt(env.world, to, rest);
  await expectAllAt(env.world, from, [long]);
  const failed = await failures(r.taskId);
  expect(failed).toHaveLength(1);
  expect(failed[0]?.[5]).toBe('dest_rejected');
  expect(failed[0]?.join(',')).toMatch(/KeyTooLong/);
});

/** The s3 store `spec` reached through the proxy instead of directly. */
const throughProxy = (spec: StoreSpec): StoreSpec => s3Through(spec, env.proxy.url);

/** The end of a document's object key as it appears in a request's path. */
const objectPathOf = (d: FixtureDoc): string => encodeObjectKey(d.key);

test('an object the source refuses to serve (403 AccessDenied: its KMS key) fails alone as source_rejected', async () => {
  const from = throughProxy(stores.s3());
  const to = stores.localfs();
  const docs = taggedFixture('kmsdenied', 20);
  await env.world.load(from, docs);
  const denied = docs[4] as FixtureDoc;
  env.proxy.setRule((req) =>
    req.method === 'GET' && (req.url ?? '').includes(objectPathOf(denied))
      ? { status: 403, code: 'AccessDenied', message: 'User is not authorized to perform: kms:Decrypt' }
      : undefined,
  );
  try {
    const r = await env.world.migrate(configFile(from), configFile(to));
    expect(r.stderr).not.toMatch(/BadCredentialsError/);
    expect(r.code).toBe(2);
    await expectAllAt(
      env.world,
      to,
      docs.filter((d) => d !== denied),
    );
    const failed = await failures(r.taskId);
    expect(failed.map((f) => f[5])).toEqual(['source_rejected']);
    expect(failed[0]?.join(',')).toMatch(/AccessDenied/);
  } finally {
    env.proxy.setRule(undefined);
  }
});

test('InternalError and RequestTimeTooSkewed pass: the page is retried and every document moves', async () => {
  const from = stores.db2(); // the first test left its refused document at db://
  const to = throughProxy(stores.s3());
  const docs = taggedFixture('transient', 20);
  await env.world.load(from, docs);
  // More answers than the SDK's own attempts, so the page activity itself must retry.
  const left = new Map([
    // (ExpiredToken only waits for role credentials the SDK refreshes: test/unit/drivers/s3-error-classes.test.ts.)
    [objectPathOf(docs[2] as FixtureDoc), { code: 'InternalError', status: 500, times: 4 }],
    [objectPathOf(docs[7] as FixtureDoc), { code: 'RequestTimeTooSkewed', status: 403, times: 4 }],
  ]);
  env.proxy.setRule((req) => {
    if (req.method !== 'PUT') return undefined;
    for (const [path, a] of left)
      if ((req.url ?? '').includes(path) && a.times > 0) {
        a.times--;
        return { status: a.status, code: a.code };
      }
    return undefined;
  });
  try {
    const r = await env.world.migrate(configFile(from), configFile(to));
    if (r.code !== 0) throw new Error(`migrate exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    await expectAllAt(env.world, to, docs);
    expect([...left.values()].map((a) => a.times)).toEqual([0, 0]);
  } finally {
    env.proxy.setRule(undefined);
  }
});

test('Swift: an object name longer than the cluster allows (400) fails that document alone', async () => {
  const from = stores.localfs(false);
  const to = stores.swift();
  const docs = taggedFixture('swiftlong', 12);
  const long: FixtureDoc = { ...(docs[5] as FixtureDoc), key: `long-${'k'.repeat(1100)}` };
  const rest = docs.filter((_, i) => i !== 5);
  await env.world.load(from, [...rest, long]);
  const r = await env.world.migrate(configFile(from), configFile(to));
  expect(r.stderr).not.toMatch(/BadCredentialsError|SwiftRequestError/);
  expect(r.code).toBe(2);
  await expectAllAt(env.world, to, rest);
  await expectAllAt(env.world, from, [long]);
  const failed = await failures(r.taskId);
  expect(failed.map((f) => f[5])).toEqual(['dest_rejected']);
});

test('a policy revoked mid-run (AccessDenied on every object, probes too) stops the migration; no document fails', async () => {
  const from = throughProxy(stores.s3());
  const to = stores.localfs();
  const docs = taggedFixture('revoked', 12);
  await env.world.load(from, docs);
  const paths = docs.map(objectPathOf);
  let revoked = false;
  env.proxy.setRule((req) => {
    // The migration's own self-check passes; from its first read of a document on, nothing is served.
    if (req.method === 'GET' && paths.some((p) => (req.url ?? '').includes(p))) revoked = true;
    return revoked ? { status: 403, code: 'AccessDenied', message: 'Access Denied' } : undefined;
  });
  try {
    const r = await env.world.migrate(configFile(from), configFile(to));
    expect(revoked).toBe(true);
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBe(2); // 2: documents failed
    expect(`${r.stdout}\n${r.stderr}`).toMatch(/BadCredentialsError|credentials/);
    expect(await failures(r.taskId)).toEqual([]);
  } finally {
    env.proxy.setRule(undefined);
  }
  await expectAllAt(env.world, from, docs);
});

test.each([
  ['read back (--verify full)', 'GET', ['--verify', 'full']],
  ['checked by its checksum (HEAD)', 'HEAD', []],
])(
  'a copy the destination refuses to show when %s fails that document alone as dest_rejected',
  async (_how, method, args) => {
    const from = stores.localfs(false); // db:// still holds the first test's refused document
    const to = throughProxy(stores.s3());
    const docs = taggedFixture(`unreadable-copy-${method}`, 12);
    await env.world.load(from, docs);
    const denied = docs[6] as FixtureDoc;
    // SSE-KMS: a listing proves no copy, so each is checked by a HEAD of its checksum, or read back in full.
    env.proxy.setSseKms(true);
    env.proxy.setRule((req) =>
      req.method === method && (req.url ?? '').includes(objectPathOf(denied))
        ? { status: 403, code: 'AccessDenied', message: 'User is not authorized to perform: kms:Decrypt' }
        : undefined,
    );
    try {
      const r = await env.world.migrate(configFile(from), configFile(to), ...args);
      expect(r.code).toBe(2);
      const failed = await failures(r.taskId);
      expect(failed.map((f) => f[5])).toEqual(['dest_rejected']);
      // A HEAD answer has no body: only a GET carries the server's words.
      expect(failed[0]?.join(',')).toMatch(method === 'GET' ? /kms:Decrypt/ : /refused by the backend/);
    } finally {
      env.proxy.setRule(undefined);
      env.proxy.setSseKms(false);
    }
    await expectAllAt(
      env.world,
      to,
      docs.filter((d) => d !== denied),
    );
    await expectAllAt(env.world, from, [denied]);
  },
);
