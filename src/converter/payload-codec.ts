/**
 * The optional payload codec: AES-256-GCM over each whole payload (metadata and data), so that workflow inputs,
 * results, progress and activity arguments are unreadable in Temporal's database and history. Always installed:
 * without a key it passes payloads through but refuses encrypted ones with a named error instead of the SDK's
 * "Unknown encoding", so a CLI and workers that do not share the key say so.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { SealingKey } from '../config/seal';
import { PayloadDecryptionError, UnknownPayloadKeyError } from '../errors';
import {
  PAYLOAD_KEY_ENV,
  PAYLOAD_KEY_FILE_ENV,
  PAYLOAD_OLD_KEYS_ENV,
  type PayloadKeys,
} from './payload-keys';

/** The `encoding` of an encrypted payload (the name Temporal's samples use). */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata naming the key a payload was encrypted with, by id: the sha256 prefix, never the key. */
export const KEY_ID_METADATA = 'encryption-key-id';
/** Names of the errors this codec throws, for code that must tell them from a transient failure. */
export const PAYLOAD_CODEC_ERRORS: readonly string[] = ['UnknownPayloadKeyError', 'PayloadDecryptionError'];

const IV_BYTES = 12;
const TAG_BYTES = 16;
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** The plaintext of an encrypted payload: the payload in Temporal's JSON form, as the codec server speaks it. */
interface PayloadJson {
  metadata: Record<string, string>;
  data: string;
}

/** Encrypts payloads under `keys.current` (if any) and decrypts those of any of `keys`. */
export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keys: PayloadKeys) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const key = this.keys.current;
    return key ? payloads.map((p) => encrypt(p, key)) : payloads;
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => (isEncrypted(p) ? this.decrypt(p) : p));
  }

  private decrypt(payload: Payload): Payload {
    const keyId = metadataText(payload, KEY_ID_METADATA) ?? '';
    const key = this.keys.byId.get(keyId);
    if (!key) throw unknownKey(keyId, [...this.keys.byId.keys()]);
    return decrypt(payload, key);
  }
}

/** Whether `payload` is one this codec encrypted. */
export function isEncrypted(payload: Payload): boolean {
  return metadataText(payload, 'encoding') === ENCRYPTED_ENCODING;
}

function encrypt(payload: Payload, key: SealingKey): Payload {
  const plaintext = utf8.encode(JSON.stringify(toJson(payload)));
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.bytes, iv);
  cipher.setAAD(aad(key.id));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return {
    metadata: { encoding: utf8.encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8.encode(key.id) },
    data: Buffer.concat([iv, cipher.getAuthTag(), ciphertext]),
  };
}

function decrypt(payload: Payload, key: SealingKey): Payload {
  const data = payload.data ?? new Uint8Array();
  if (data.length < IV_BYTES + TAG_BYTES)
    throw new PayloadDecryptionError(`an encrypted payload (key ${key.id}) is too short to be one`);
  const decipher = createDecipheriv('aes-256-gcm', key.bytes, data.subarray(0, IV_BYTES), {
    authTagLength: TAG_BYTES,
  });
  // The key id is authenticated: a payload relabelled with another key's id does not open.
  decipher.setAAD(aad(key.id));
  decipher.setAuthTag(data.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  let plaintext: Buffer;
  try {
    plaintext = Buffer.concat([decipher.update(data.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
  } catch (cause) {
    throw new PayloadDecryptionError(
      `a payload encrypted with key ${key.id} failed authentication: it was altered or corrupted in storage`,
      undefined,
      { cause },
    );
  }
  return fromJson(JSON.parse(fromUtf8.decode(plaintext)) as PayloadJson);
}

/** The named error for a key id this process cannot decrypt: which id, and what to set. */
function unknownKey(keyId: string, known: readonly string[]): UnknownPayloadKeyError {
  const shown = keyId || '(none)';
  if (known.length === 0)
    return new UnknownPayloadKeyError(
      `a Temporal payload is encrypted with payload key ${shown}, but ${PAYLOAD_KEY_ENV} is not set here: give ` +
        `this process the key the CLI and the workers use (${PAYLOAD_KEY_ENV} or ${PAYLOAD_KEY_FILE_ENV})`,
      keyId,
    );
  return new UnknownPayloadKeyError(
    `a Temporal payload is encrypted with payload key ${shown}, which is not one of this process's keys ` +
      `(${known.join(', ')}): set ${PAYLOAD_KEY_ENV} to the key the CLI and the workers use, or add the key ` +
      `${shown} to ${PAYLOAD_OLD_KEYS_ENV} if it was retired`,
    keyId,
  );
}

const aad = (keyId: string): Uint8Array => utf8.encode(`${ENCRYPTED_ENCODING}:${keyId}`);

function metadataText(payload: Payload, name: string): string | undefined {
  const value = payload.metadata?.[name];
  return value ? fromUtf8.decode(value) : undefined;
}

/** Temporal's JSON form of a payload (bytes as base64), shared with the codec server's protocol. */
export function toJson(payload: Payload): PayloadJson {
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(payload.metadata ?? {}))
    if (v) metadata[k] = Buffer.from(v).toString('base64');
  return { metadata, data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64') };
}

/** The payload of {@link toJson}'s form. */
export function fromJson(json: PayloadJson): Payload {
  const metadata: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(json.metadata ?? {})) metadata[k] = Buffer.from(v, 'base64');
  return { metadata, data: Buffer.from(json.data ?? '', 'base64') };
}
