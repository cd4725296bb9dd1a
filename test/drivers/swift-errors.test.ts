/** Swift bad input and wire details against the real Swift of the test stack: named errors, nothing written. */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { createSwiftDriver, type SwiftDriverOptions } from '../../src/drivers/swift';
import type { SwiftAuth } from '../../src/drivers/swift-auth';
import { stackEnv } from '../helpers/stack-env';

const auth: SwiftAuth = {
  version: '1.0',
  url: stackEnv.swiftAuthUrl,
  user: stackEnv.swiftUser,
  key: stackEnv.swiftKey,
};
const good: SwiftDriverOptions = {
  container: `aos-err-${randomUUID().slice(0, 8)}`,
  createContainer: true,
  auth,
};

/** Status of a HEAD on the container, and its object count, straight from Swift (not through the driver). */
async function containerState(container: string): Promise<{ status: number; objects: number }> {
  const login = await fetch(stackEnv.swiftAuthUrl, {
    headers: { 'X-Auth-User': stackEnv.swiftUser, 'X-Auth-Key': stackEnv.swiftKey },
  });
  const res = await fetch(`${login.headers.get('x-storage-url')}/${container}`, {
    method: 'HEAD',
    headers: { 'X-Auth-Token': login.headers.get('x-auth-token') ?? '' },
  });
  return { status: res.status, objects: Number(res.headers.get('x-container-object-count') ?? 0) };
}

beforeAll(async () => {
  const driver = createSwiftDriver(good);
  await driver.selfCheck(); // creates the container
  await driver.close();
});

test('wrong key → BadCredentialsError, key redacted, nothing written', async () => {
  const key = 'wrong-swift-key-1234567890';
  const driver = createSwiftDriver({ ...good, auth: { ...auth, key } });
  const err = await driver.selfCheck().catch((e: Error) => e);
  const putErr = await driver
    .put({ userId: 'admin', bucket: 'analysis_data', key: 'k' }, Buffer.from('x'))
    .catch((e: Error) => e);
  await driver.close();
  expect(err).toMatchObject({ name: 'BadCredentialsError' });
  expect(putErr).toMatchObject({ name: 'BadCredentialsError' });
  expect((err as Error).message).not.toContain(key);
  expect((err as Error).message).not.toContain('tester');
  expect((err as Error).message).toContain('te****');
  expect(await containerState(good.container)).toEqual({ status: 204, objects: 0 });
});

test('missing container without create_container → BucketNotFoundError naming create_container, not created', async () => {
  const container = `aos-missing-${randomUUID().slice(0, 8)}`;
  const driver = createSwiftDriver({ ...good, container, createContainer: false });
  const err = await driver.selfCheck().catch((e: Error) => e);
  expect(err).toMatchObject({ name: 'BucketNotFoundError', bucket: container });
  expect((err as Error).message).toContain('create_container: true');
  await expect(
    driver.put({ userId: 'admin', bucket: 'analysis_data', key: 'k' }, Buffer.from('x')),
  ).rejects.toMatchObject({ name: 'BucketNotFoundError' });
  expect((await containerState(container)).status).toBe(404);
  await driver.close();
});

test('missing container with create_container → created, self-check leaves it empty', async () => {
  const container = `aos-create-${randomUUID().slice(0, 8)}`;
  const driver = createSwiftDriver({ ...good, container, createContainer: true });
  await driver.selfCheck();
  expect(await containerState(container)).toEqual({ status: 204, objects: 0 });
  await driver.close();
});

test('unreachable endpoint (connection refused) → EndpointUnreachableError, fast', async () => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise((r) => server.close(r));
  const driver = createSwiftDriver({ ...good, auth: { ...auth, url: `http://127.0.0.1:${port}/auth/v1.0` } });
  const started = Date.now();
  await expect(driver.selfCheck()).rejects.toMatchObject({ name: 'EndpointUnreachableError' });
  expect(Date.now() - started).toBeLessThan(10_000);
  await driver.close();
});

test('object names are sent percent-encoded and never normalized (. and .. segments, ? # % space)', async () => {
  const driver = createSwiftDriver(good);
  const keys = ['a/../b', 'a/./b', 'b', 'q?x=1#frag', '100% done', 'sp ace/tab\there', 'a//b'];
  const uris = await driver.putMany(
    keys.map((key) => ({ ref: { userId: 'wire', bucket: 'b', key }, data: Buffer.from(`body:${key}`) })),
  );
  // URIs carry the names as written (no percent-encoding), and each name is its own object.
  expect(uris[0]).toBe(`swift://${good.container}/wire/b/a/../b`);
  for (const [i, uri] of uris.entries()) expect((await driver.get(uri)).toString()).toBe(`body:${keys[i]}`);
  const listed = [];
  for await (const o of driver.listObjects?.({ pageSize: 3 }) ?? []) listed.push(o.uri);
  expect(listed.sort()).toEqual([...uris].sort());
  await driver.deleteMany(uris);
  expect((await driver.getMany(uris)).size).toBe(0);
  await driver.close();
});

test('statMany reports size and the md5 of the stored bytes (Swift ETag)', async () => {
  const driver = createSwiftDriver(good);
  const body = Buffer.from('stat me please');
  const uri = await driver.put({ userId: 'stat', bucket: 'b', key: 'k' }, body);
  const missing = driver.uriFor({ userId: 'stat', bucket: 'b', key: 'missing' });
  const stats = await driver.statMany?.([uri, missing]);
  expect(stats?.get(uri)).toEqual({ size: body.length, md5: createHash('md5').update(body).digest('hex') });
  expect(stats?.has(missing)).toBe(false);
  await driver.delete(uri);
  await driver.close();
});

test('bulk delete: several bulk requests remove every object', async () => {
  // Small bulk requests so that one deleteMany needs several of them (production default: 1,000 per request).
  const driver = createSwiftDriver({ ...good, bulkDeleteSize: 7 });
  const items = Array.from({ length: 40 }, (_, i) => ({
    ref: { userId: 'bulk', bucket: 'b', key: `k/${i}` },
    data: Buffer.from(String(i)),
  }));
  const uris = await driver.putMany(items);
  expect((await containerState(good.container)).objects).toBe(items.length);
  await driver.deleteMany([...uris, driver.uriFor({ userId: 'bulk', bucket: 'b', key: 'never-written' })]);
  expect((await containerState(good.container)).objects).toBe(0);
  expect((await driver.getMany(uris)).size).toBe(0);
  await driver.close();
});

test('reads use the container named in the URI, not the configured one', async () => {
  const writer = createSwiftDriver(good);
  const uri = await writer.put({ userId: 'admin', bucket: 'analysis_data', key: 'k1' }, Buffer.from('hello'));
  const reader = createSwiftDriver({ ...good, container: 'some-other-container', createContainer: false });
  expect((await reader.get(uri)).toString()).toBe('hello');
  await reader.delete(uri);
  expect(await writer.exists(uri)).toBe(false);
  await Promise.all([writer.close(), reader.close()]);
});
