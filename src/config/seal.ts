/**
 * AES-256-GCM sealing of literal secrets that must travel in workflow inputs, under a key the CLI and every
 * worker share (`OBJECTSTORAGE_SECRET_KEY`). Format: `sealed:v1:<keyId>:<base64url(iv | tag | ciphertext)>`.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

import { ConfigError, SecretUnsealError } from '../errors';

/** Environment variable holding the shared sealing key (32 bytes, base64 or hex). */
export const SECRET_KEY_ENV = 'OBJECTSTORAGE_SECRET_KEY';

const PREFIX = 'sealed:v1:';
const SEALED = /^sealed:v1:([0-9a-f]{8}):([A-Za-z0-9_-]+)$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const howToMakeAKey = (source: string): string =>
  `${source} must be 32 random bytes written as base64 (44 characters) or hex (64 characters); ` +
  'generate one with `openssl rand -base64 32` and give the same value to the CLI and every worker';

/** A parsed sealing key. `id` (first 8 hex digits of its sha256) tells keys apart without revealing them. */
export interface SealingKey {
  readonly id: string;
  readonly bytes: Buffer;
}

/**
 * Parses a sealing key given as 64 hex digits or as base64/base64url of 32 bytes. `source` names where the text
 * came from in the error (the payload codec's keys use the same format).
 * @throws ConfigError explaining how to generate a key; the message never contains the value.
 */
export function parseSealingKey(text: string, source: string = SECRET_KEY_ENV): SealingKey {
  const t = text.trim();
  let bytes: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(t)) bytes = Buffer.from(t, 'hex');
  else if (/^[A-Za-z0-9+/]{43}=?$/.test(t) || /^[A-Za-z0-9_-]{43}=?$/.test(t))
    bytes = Buffer.from(t, 'base64');
  if (bytes?.length !== 32) throw new ConfigError(`invalid ${source}: ${howToMakeAKey(source)}`);
  return { id: createHash('sha256').update(bytes).digest('hex').slice(0, 8), bytes };
}

/** The sealing key of `env`, or undefined when `OBJECTSTORAGE_SECRET_KEY` is unset or empty. */
export function sealingKeyFromEnv(env: NodeJS.ProcessEnv): SealingKey | undefined {
  const text = env[SECRET_KEY_ENV];
  return text === undefined || text.trim() === '' ? undefined : parseSealingKey(text);
}

/** True when `value` is a `sealed:v1:` string. */
export function isSealed(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(PREFIX);
}

/** Seals `plaintext` under `key` with a fresh random IV; the header is authenticated too. */
export function sealSecret(plaintext: string, key: SealingKey): string {
  const header = `${PREFIX}${key.id}:`;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.bytes, iv);
  cipher.setAAD(Buffer.from(header, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return header + Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url');
}

/**
 * Opens a value made by {@link sealSecret}.
 * @throws SecretUnsealError when the value is malformed, was sealed under another key, or fails
 * authentication (tampered or corrupted).
 */
export function unsealSecret(sealed: string, key: SealingKey): string {
  const match = SEALED.exec(sealed);
  const sealedWith = match?.[1];
  const payload = Buffer.from(match?.[2] ?? '', 'base64url');
  if (sealedWith === undefined || payload.length < IV_BYTES + TAG_BYTES) {
    throw new SecretUnsealError('a sealed secret is malformed: expected sealed:v1:<keyId>:<base64url>');
  }
  if (sealedWith !== key.id) {
    throw new SecretUnsealError(
      `a secret was sealed with key ${sealedWith}, but ${SECRET_KEY_ENV} here is key ${key.id}: the worker's ` +
        `${SECRET_KEY_ENV} differs from the CLI's. Give every worker the same value as the CLI.`,
    );
  }
  const decipher = createDecipheriv('aes-256-gcm', key.bytes, payload.subarray(0, IV_BYTES), {
    authTagLength: TAG_BYTES,
  });
  decipher.setAAD(Buffer.from(`${PREFIX}${sealedWith}:`, 'utf8'));
  decipher.setAuthTag(payload.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  try {
    return Buffer.concat([
      decipher.update(payload.subarray(IV_BYTES + TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  } catch (cause) {
    throw new SecretUnsealError(
      `a secret sealed with key ${key.id} failed authentication: the value was altered or corrupted after ` +
        'sealing. Start the command again from the CLI so that it is sealed afresh.',
      undefined,
      { cause },
    );
  }
}
