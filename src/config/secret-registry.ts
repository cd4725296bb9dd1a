/**
 * The secret values this process has seen and the scrubber that removes them from text. No Node import, because
 * the failure converter (src/converter/failure-converter.ts) loads it into the workflow sandbox too.
 */
import { isAnchoreReference } from './anchore-reference';

/** What a redacted secret is shown as. Constant, so that neither length nor characters leak. */
export const REDACTED = '****';

const MIN_SCRUBBED_LENGTH = 4;
// `scheme://user:password@`: the password stops at whitespace, `@` or `/` (a URL that does not parse is redacted
// by the registry instead, which knows the password as written).
const USERINFO_PASSWORD = /([A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s:/@]+:)([^\s@/]+)@/g;

const registered = new Set<string>();
let longestFirst: string[] = [];

/**
 * Remembers `value` as a secret for {@link scrubSecrets}. Values shorter than 4 characters (they would
 * garble ordinary text) and `${ANCHORE...}` references are ignored.
 */
export function registerSecret(value: string): void {
  if (value.length < MIN_SCRUBBED_LENGTH || isAnchoreReference(value) || registered.has(value)) return;
  registered.add(value);
  // Longest first, so that a secret containing another one is replaced whole.
  longestFirst = [...registered].sort((a, b) => b.length - a.length);
}

/** `text` with every occurrence of every registered secret replaced by {@link REDACTED}. */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const secret of longestFirst) out = out.split(secret).join(REDACTED);
  return out;
}

/**
 * `text` with the password of every `scheme://user:password@` in it replaced by {@link REDACTED} (a
 * `${ANCHORE...}` reference is kept): for text a process holds no registry of, such as workflow code's.
 */
export function redactUrlPasswordsInText(text: string): string {
  return text.replace(USERINFO_PASSWORD, (whole, head: string, password: string) =>
    isAnchoreReference(password) ? whole : `${head}${REDACTED}@`,
  );
}
