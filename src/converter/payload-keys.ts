/**
 * The payload codec's keys, from the environment: the key payloads are encrypted with, and older keys that
 * histories written before a rotation still need. Same format as OBJECTSTORAGE_SECRET_KEY (config/seal.ts).
 */
import { readFileSync } from 'node:fs';
import { registerSecret } from '../config/redact';
import { parseSealingKey, type SealingKey } from '../config/seal';
import { ConfigError } from '../errors';

/** The key new payloads are encrypted with (32 bytes, base64 or hex). */
export const PAYLOAD_KEY_ENV = 'OBJECTSTORAGE_PAYLOAD_KEY';
/** A file holding that key instead (a mounted Kubernetes secret, say). */
export const PAYLOAD_KEY_FILE_ENV = 'OBJECTSTORAGE_PAYLOAD_KEY_FILE';
/** Retired keys, still used to decrypt, separated by commas. */
export const PAYLOAD_OLD_KEYS_ENV = 'OBJECTSTORAGE_PAYLOAD_OLD_KEYS';
/** A file of retired keys, one per line (or separated by commas). */
export const PAYLOAD_OLD_KEYS_FILE_ENV = 'OBJECTSTORAGE_PAYLOAD_OLD_KEYS_FILE';

/** The keys of this process. Without `current`, payloads are not encrypted (old ones still decrypt). */
export interface PayloadKeys {
  readonly current?: SealingKey;
  /** Every key that decrypts, by id: `current` and the retired ones. */
  readonly byId: ReadonlyMap<string, SealingKey>;
}

/**
 * The payload keys `env` sets, none when it sets none. Every key text is registered as a secret, so that no
 * output or log can show it.
 * @throws ConfigError for a malformed key, an unreadable file, or a key given both inline and as a file.
 */
export function payloadKeysFromEnv(env: NodeJS.ProcessEnv): PayloadKeys {
  const current = keyTexts(env, PAYLOAD_KEY_ENV, PAYLOAD_KEY_FILE_ENV);
  if (current.length > 1)
    throw new ConfigError(`${PAYLOAD_KEY_ENV} holds one key; retired keys go to ${PAYLOAD_OLD_KEYS_ENV}`);
  const old = keyTexts(env, PAYLOAD_OLD_KEYS_ENV, PAYLOAD_OLD_KEYS_FILE_ENV);
  const parse = ({ text, source }: KeyText): SealingKey => {
    registerSecret(text);
    return parseSealingKey(text, source);
  };
  const currentKey = current[0] && parse(current[0]);
  const byId = new Map<string, SealingKey>();
  for (const key of [...(currentKey ? [currentKey] : []), ...old.map(parse)])
    if (!byId.has(key.id)) byId.set(key.id, key);
  return currentKey ? { current: currentKey, byId } : { byId };
}

interface KeyText {
  readonly text: string;
  /** Where it came from, for errors: the variable, the file, and which key of a list. */
  readonly source: string;
}

// The keys of a variable or of the file another variable names (not both: which one would win is a guess).
function keyTexts(env: NodeJS.ProcessEnv, inline: string, fileVariable: string): KeyText[] {
  const text = env[inline]?.trim() ?? '';
  const file = env[fileVariable]?.trim() ?? '';
  if (text && file) throw new ConfigError(`set ${inline} or ${fileVariable}, not both`);
  if (!text && !file) return [];
  const source = file ? `${fileVariable} (${file})` : inline;
  const texts = (file ? readKeyFile(file, fileVariable) : text).split(/[\s,]+/).filter((t) => t !== '');
  return texts.map((t, i) => ({ text: t, source: texts.length > 1 ? `${source}, key ${i + 1}` : source }));
}

function readKeyFile(path: string, variable: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(
      `${variable}: cannot read ${path} (${(cause as NodeJS.ErrnoException).code})`,
      undefined,
      {
        cause,
      },
    );
  }
}
