/** The payload codec: AES-256-GCM per payload, the key id in metadata, rotation, and named errors. */
import { randomBytes } from 'node:crypto';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { scrubSecrets } from '../../../src/config/redact';
import { EncryptionCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA } from '../../../src/converter/payload-codec';
import { payloadKeysFromEnv } from '../../../src/converter/payload-keys';
import { parseSealingKey } from '../../../src/config/seal';

const KEY_A = randomBytes(32).toString('base64');
const KEY_B = randomBytes(32).toString('hex');
const idOf = (k: string): string => parseSealingKey(k).id;
const codec = (env: NodeJS.ProcessEnv): EncryptionCodec => new EncryptionCodec(payloadKeysFromEnv(env));
const meta = (p: Payload, k: string): string => Buffer.from(p.metadata?.[k] ?? []).toString('utf8');
const input = { taskId: 7, from: 's3://bucket/prefix', secret: '${ANCHORE_S3_SECRET}' };

async function caughtAsync(p: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await p;
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error('expected a rejection');
}

test('encrypts the whole payload under the key, named by its id, and decrypts it back', async () => {
  const c = codec({ OBJECTSTORAGE_PAYLOAD_KEY: KEY_A });
  const plain = defaultPayloadConverter.toPayload(input);
  const [enc] = await c.encode([plain]);
  expect(meta(enc!, 'encoding')).toBe(ENCRYPTED_ENCODING);
  expect(meta(enc!, KEY_ID_METADATA)).toBe(idOf(KEY_A));
  expect(Object.keys(enc!.metadata ?? {}).sort()).toEqual(['encoding', KEY_ID_METADATA]);
  expect(Buffer.from(enc!.data!).toString('latin1')).not.toContain('s3://bucket');
  const [back] = await c.decode([enc!]);
  expect(defaultPayloadConverter.fromPayload(back!)).toEqual(input);
  expect(meta(back!, 'encoding')).toBe('json/plain');
  // A fresh IV each time.
  const [again] = await c.encode([plain]);
  expect(Buffer.from(again!.data!).equals(Buffer.from(enc!.data!))).toBe(false);
});

test('rotation: the new key encrypts, the retired one still decrypts what it encrypted', async () => {
  const [old] = await codec({ OBJECTSTORAGE_PAYLOAD_KEY: KEY_A }).encode([
    defaultPayloadConverter.toPayload(input),
  ]);
  const rotated = codec({ OBJECTSTORAGE_PAYLOAD_KEY: KEY_B, OBJECTSTORAGE_PAYLOAD_OLD_KEYS: ` ${KEY_A} ` });
  expect(defaultPayloadConverter.fromPayload((await rotated.decode([old!]))[0]!)).toEqual(input);
  const [fresh] = await rotated.encode([defaultPayloadConverter.toPayload(input)]);
  expect(meta(fresh!, KEY_ID_METADATA)).toBe(idOf(KEY_B));
  // Without the retired key: a named error naming the id and what to set.
  const err = await caughtAsync(codec({ OBJECTSTORAGE_PAYLOAD_KEY: KEY_B }).decode([old!]));
  expect(err.name).toBe('UnknownPayloadKeyError');
  expect(err.keyId).toBe(idOf(KEY_A));
  expect(err.message).toContain(`payload key ${idOf(KEY_A)}`);
  expect(err.message).toContain('OBJECTSTORAGE_PAYLOAD_OLD_KEYS');
  expect(err.message).not.toContain(KEY_A);
  expect(err.message).not.toContain(KEY_B);
});

test('without a key: payloads pass through, and an encrypted one is a named error saying what to set', async () => {
  const none = codec({});
  const plain = defaultPayloadConverter.toPayload(input);
  expect(await none.encode([plain])).toEqual([plain]);
  expect(await none.decode([plain])).toEqual([plain]);
  const [enc] = await codec({ OBJECTSTORAGE_PAYLOAD_KEY: KEY_A }).encode([plain]);
  const err = await caughtAsync(none.decode([enc!]));
  expect(err.name).toBe('UnknownPayloadKeyError');
  expect(err.message).toContain('OBJECTSTORAGE_PAYLOAD_KEY is not set here');
  // Old keys alone decrypt (turning encryption off) but do not encrypt.
  const off = codec({ OBJECTSTORAGE_PAYLOAD_OLD_KEYS: KEY_A });
  expect(defaultPayloadConverter.fromPayload((await off.decode([enc!]))[0]!)).toEqual(input);
  expect(await off.encode([plain])).toEqual([plain]);
});

test('an altered payload, or one relabelled with another known key id, does not open', async () => {
  const c = codec({ OBJECTSTORAGE_PAYLOAD_KEY: KEY_A, OBJECTSTORAGE_PAYLOAD_OLD_KEYS: KEY_B });
  const [enc] = await c.encode([defaultPayloadConverter.toPayload(input)]);
  const flipped = Buffer.from(enc!.data!);
  flipped[flipped.length - 1] = (flipped[flipped.length - 1] ?? 0) ^ 1;
  expect((await caughtAsync(c.decode([{ ...enc!, data: flipped }]))).name).toBe('PayloadDecryptionError');
  const relabelled = { ...enc!, metadata: { ...enc!.metadata, [KEY_ID_METADATA]: Buffer.from(idOf(KEY_B)) } };
  expect((await caughtAsync(c.decode([relabelled]))).name).toBe('PayloadDecryptionError');
  const short = { ...enc!, data: new Uint8Array(5) };
  expect((await caughtAsync(c.decode([short]))).name).toBe('PayloadDecryptionError');
});

describe('keys from the environment', () => {
  const file = (content: string): string => {
    const path = join(mkdtempSync(join(tmpdir(), 'aos-payload-key-')), 'key');
    writeFileSync(path, content);
    return path;
  };

  test('from files: the key, and retired keys one per line', () => {
    const keys = payloadKeysFromEnv({
      OBJECTSTORAGE_PAYLOAD_KEY_FILE: file(`${KEY_A}\n`),
      OBJECTSTORAGE_PAYLOAD_OLD_KEYS_FILE: file(`${KEY_B}\n${KEY_A}\n`),
    });
    expect(keys.current?.id).toBe(idOf(KEY_A));
    expect([...keys.byId.keys()]).toEqual([idOf(KEY_A), idOf(KEY_B)]);
  });

  test('key texts are registered secrets: no output can show them', () => {
    payloadKeysFromEnv({ OBJECTSTORAGE_PAYLOAD_KEY: KEY_A, OBJECTSTORAGE_PAYLOAD_OLD_KEYS: KEY_B });
    expect(scrubSecrets(`a=${KEY_A} b=${KEY_B}`)).toBe('a=**** b=****');
  });

  test('malformed, doubled or unreadable: ConfigError naming the variable, never the value', () => {
    const bad = 'not-a-key-but-a-password-1234';
    const cases: [NodeJS.ProcessEnv, RegExp][] = [
      [{ OBJECTSTORAGE_PAYLOAD_KEY: bad }, /invalid OBJECTSTORAGE_PAYLOAD_KEY: .*openssl rand -base64 32/],
      [
        { OBJECTSTORAGE_PAYLOAD_OLD_KEYS: `${KEY_A},${bad}` },
        /invalid OBJECTSTORAGE_PAYLOAD_OLD_KEYS, key 2/,
      ],
      [{ OBJECTSTORAGE_PAYLOAD_KEY: KEY_A, OBJECTSTORAGE_PAYLOAD_KEY_FILE: file(KEY_A) }, /not both/],
      [
        { OBJECTSTORAGE_PAYLOAD_KEY: `${KEY_A},${KEY_B}` },
        /holds one key; retired keys go to OBJECTSTORAGE_PAYLOAD_OLD_KEYS/,
      ],
      [
        { OBJECTSTORAGE_PAYLOAD_KEY_FILE: '/nonexistent/key' },
        /OBJECTSTORAGE_PAYLOAD_KEY_FILE: cannot read \/nonexistent\/key \(ENOENT\)/,
      ],
      [{ OBJECTSTORAGE_PAYLOAD_KEY_FILE: file(bad) }, /invalid OBJECTSTORAGE_PAYLOAD_KEY_FILE \(/],
    ];
    for (const [env, message] of cases) {
      let err: Error | undefined;
      try {
        payloadKeysFromEnv(env);
      } catch (e) {
        err = e as Error;
      }
      expect(err?.name).toBe('ConfigError');
      expect(err?.message).toMatch(message);
      expect(err?.message).not.toContain(bad);
      expect(err?.message).not.toContain(KEY_A);
    }
  });
});
