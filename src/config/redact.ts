/**
 * Secret detection and redaction for everything we print or log. Anchore logs store configs with keys in
 * clear text; we never do: secret fields become `****`, URL passwords too, and every secret value the
 * process has seen can be scrubbed from any text (error messages of SDKs included).
 */
import type { DriverName, StoreConfig } from './schema';
import { isAnchoreReference } from './anchore-reference';
import { REDACTED, registerSecret } from './secret-registry';
import { forEachLeaf, mapLeaves } from './tree';
import type { PathSegment } from './tree';

// The registry lives apart so that the workflow sandbox can load it (secret-registry.ts says why).
export { REDACTED, registerSecret, scrubSecrets } from './secret-registry';

const SECRET_KEY = /key|secret|password|passwd|token|credential/i;
// Names that match the pattern but hold no secret: object-key prefixes.
const NOT_SECRET = new Set(['anchore_key_prefix', 'key_prefix']);
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/**
 * True when a config key holds a secret: `access_key`, `secret_key`, Swift's `key` and `os_password`, any
 * `*token*`/`*credential*`. Not `anchore_key_prefix`, `bucket`, `prefix`, `url`, `region`, `min_size_kbytes`.
 */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && !NOT_SECRET.has(key.toLowerCase());
}

/** True when any key along `path` is a secret key: everything under `credentials:` is secret, for instance. */
export function isSecretPath(path: readonly PathSegment[]): boolean {
  return path.some((segment) => typeof segment === 'string' && isSecretKey(segment));
}

/**
 * The printable form of a secret field's value: {@link REDACTED}, except that absent values stay absent and
 * `${ANCHORE...}` references stay as written (they name a secret without holding it).
 */
export function redactValue(value: string): string;
export function redactValue(value: unknown): unknown;
export function redactValue(value: unknown): unknown {
  if (value === undefined || value === null || isAnchoreReference(value)) return value;
  return REDACTED;
}

/**
 * The password of a URL's userinfo (`scheme://user:PASSWORD@host`), as written, or undefined when there is
 * none. Works on URLs that do not parse (`postgresql://u:p/w@h`, `${ANCHORE_...}` placeholders) by taking
 * the userinfo up to the last `@`, as Python's urlparse does.
 */
export function urlPassword(url: string): string | undefined {
  const span = passwordSpan(url);
  return span ? url.slice(span[0], span[1]) || undefined : undefined;
}

/**
 * `url` with the password of its userinfo replaced by {@link REDACTED}: `postgresql://user:pw@host/db` →
 * `postgresql://user:****@host/db`. Everything else is kept byte for byte; a password that is a
 * `${ANCHORE...}` reference is kept too.
 */
export function redactUrl(url: string): string {
  const span = passwordSpan(url);
  if (!span) return url;
  const password = url.slice(span[0], span[1]);
  if (password === '' || isAnchoreReference(password)) return url;
  return url.slice(0, span[0]) + REDACTED + url.slice(span[1]);
}

/** A deep copy of any parsed config tree with secret fields redacted ({@link redactValue}) and URLs redacted. */
export function redactDeep(value: unknown): unknown {
  return mapLeaves(value, redactLeaf);
}

function redactLeaf(leaf: unknown, path: readonly PathSegment[]): unknown {
  if (isSecretPath(path)) return redactValue(leaf);
  return typeof leaf === 'string' ? redactUrl(leaf) : leaf;
}

/** A store config as printed: driver config values redacted, so no longer typed per driver. */
export interface RedactedStoreConfig {
  compression: StoreConfig['compression'];
  storage_driver: { name: DriverName; config: Record<string, unknown> };
}

/** A deep copy of `config` that is safe to print or log. */
export function redactStoreConfig(config: StoreConfig): RedactedStoreConfig {
  const driverConfig: Record<string, unknown> = config.storage_driver.config;
  return {
    compression: { ...config.compression },
    storage_driver: {
      name: config.storage_driver.name,
      config: Object.fromEntries(
        Object.entries(driverConfig).map(([k, v]) => [
          k,
          mapLeaves(v, (leaf, path) => redactLeaf(leaf, [k, ...path])),
        ]),
      ),
    },
  };
}

/**
 * Registers every secret held by a config tree: values under secret keys and URL passwords (as written and
 * percent-decoded, since libraries report either form).
 */
export function registerConfigSecrets(value: unknown): void {
  forEachLeaf(value, (leaf, path) => {
    if (isSecretPath(path) && (typeof leaf === 'string' || typeof leaf === 'number'))
      registerSecret(String(leaf));
    const password = typeof leaf === 'string' && SCHEME.test(leaf) ? urlPassword(leaf) : undefined;
    if (password !== undefined) {
      registerSecret(password);
      registerSecret(decodePercent(password));
    }
  });
}

function decodePercent(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

// [start, end) of the password inside `url`, or undefined when the URL has no `user:password@` part.
function passwordSpan(url: string): [number, number] | undefined {
  const scheme = SCHEME.exec(url);
  if (!scheme) return undefined;
  const start = scheme[0].length;
  const rest = url.slice(start);
  let authority: string;
  if (URL.canParse(url)) {
    // A well-formed URL: the authority ends at the first / ? or #, its userinfo at the authority's last @.
    const end = rest.search(/[/?#\\]/);
    authority = end < 0 ? rest : rest.slice(0, end);
  } else {
    // Unparseable (an unencoded / or # in the password, a placeholder port): trust the last @ instead.
    authority = rest;
  }
  const at = authority.lastIndexOf('@');
  const colon = authority.indexOf(':');
  if (at < 0 || colon < 0 || colon > at || /[/?#]/.test(authority.slice(0, colon))) return undefined;
  return [start + colon + 1, start + at];
}
