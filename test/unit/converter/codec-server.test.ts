/** The codec server protocol over real HTTP on a local port: what the Temporal UI sends, and what it must refuse. */
import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { startCodecServer, type RunningCodecServer } from '../../../src/converter/codec-server';
import { EncryptionCodec, toJson } from '../../../src/converter/payload-codec';
import { payloadKeysFromEnv } from '../../../src/converter/payload-keys';

const UI = 'http://ui.example:8233';
const KEY = randomBytes(32).toString('base64');
let server: RunningCodecServer;

beforeAll(async () => {
  server = await startCodecServer({
    host: '127.0.0.1',
    port: 0,
    uiOrigins: [UI],
    namespace: 'migrations',
    codec: new EncryptionCodec(payloadKeysFromEnv({ OBJECTSTORAGE_PAYLOAD_KEY: KEY })),
  });
});
afterAll(() => server.close());

const plain = { payloads: [toJson(defaultPayloadConverter.toPayload({ taskId: 3, note: 'hello' }))] };
type Body = {
  payloads: { metadata: Record<string, string>; data: string }[];
  error?: string;
  message?: string;
};

async function post(
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Body; headers: Headers }> {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Body, headers: res.headers };
}
const b64 = (s: string): string => Buffer.from(s).toString('base64');

test('encode then decode, as the UI calls them, gives the payloads back; encoded ones are encrypted', async () => {
  const enc = await post('/encode', plain, { 'X-Namespace': 'migrations', Origin: UI });
  expect(enc.status).toBe(200);
  expect(enc.headers.get('access-control-allow-origin')).toBe(UI);
  expect(enc.body.payloads[0]?.metadata['encoding']).toBe(b64('binary/encrypted'));
  expect(Buffer.from(enc.body.payloads[0]?.data ?? '', 'base64').toString('latin1')).not.toContain('hello');
  const dec = await post('/decode', enc.body, { 'X-Namespace': 'migrations', Origin: UI });
  expect(dec.status).toBe(200);
  expect(dec.body).toEqual(plain);
});

test("the UI's preflight is answered with CORS for its origin, and another origin is refused", async () => {
  const pre = await fetch(`${server.url}/decode`, {
    method: 'OPTIONS',
    headers: {
      Origin: UI,
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'content-type,x-namespace',
    },
  });
  expect(pre.status).toBe(204);
  expect(pre.headers.get('access-control-allow-origin')).toBe(UI);
  expect(pre.headers.get('access-control-allow-methods')).toContain('POST');
  expect(pre.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-namespace');
  expect(pre.headers.get('access-control-allow-credentials')).toBe('true');
  const other = await post('/decode', plain, { Origin: 'http://evil.example' });
  expect(other.status).toBe(403);
  expect(other.headers.get('access-control-allow-origin')).toBeNull();
});

test('payloads of another namespace (X-Namespace, or the path) pass through; without one they are taken as ours', async () => {
  const otherNs = await post('/encode', plain, { 'X-Namespace': 'someone-else' });
  expect(otherNs.body).toEqual(plain);
  const noHeader = await post('/encode', plain);
  expect(noHeader.body.payloads[0]?.metadata['encoding']).toBe(b64('binary/encrypted'));
  // The Temporal CLI's --codec-endpoint templating puts the namespace in the path instead.
  expect((await post('/someone-else/encode', plain)).body).toEqual(plain);
  const inPath = await post('/migrations/encode', plain);
  expect(inPath.body.payloads[0]?.metadata['encoding']).toBe(b64('binary/encrypted'));
});

test('a payload of an unknown key is a 422 naming the error and the key id; bad requests are 4xx', async () => {
  const foreign = new EncryptionCodec(
    payloadKeysFromEnv({ OBJECTSTORAGE_PAYLOAD_KEY: randomBytes(32).toString('hex') }),
  );
  const [enc] = await foreign.encode([defaultPayloadConverter.toPayload('x')]);
  const r = await post('/decode', { payloads: [toJson(enc!)] });
  expect(r.status).toBe(422);
  expect(r.body.error).toBe('UnknownPayloadKeyError');
  expect(r.body.message).toMatch(/payload key [0-9a-f]{8}, which is not one of this process's keys/);
  expect(r.body.message).not.toContain(KEY);
  expect((await post('/decode', 'not json')).status).toBe(400);
  expect((await post('/decode', { payloads: 'no' })).status).toBe(400);
  expect((await post('/other', plain)).status).toBe(404);
  expect((await fetch(`${server.url}/decode`)).status).toBe(405);
});
