/**
 * Content-URI building and parsing. Anchore builds URIs by plain concatenation with no percent-encoding, and
 * keys may contain `/` and `:` (e.g. `vulnerability_scan` keys are `<digest>/<fulltag>`), so parsing splits on
 * the first separators only instead of using a URL parser.
 */
import { UriParseError } from '../errors';
import type { DocumentRef } from './types';

/** `<scheme>://<userId>/<bucket>/<key>`, the shape of `db` and `db2` URIs. */
export function accountUri(scheme: string, ref: DocumentRef): string {
  return `${scheme}://${ref.userId}/${ref.bucket}/${ref.key}`;
}

/** Splits `<scheme>://<rest>` and checks the scheme. */
export function uriRest(uri: string, scheme: string): string {
  const head = `${scheme}://`;
  if (!uri.startsWith(head)) throw new UriParseError(uri, `expected a ${head} URL`);
  return uri.slice(head.length);
}

/** Inverse of {@link accountUri}: netloc is the userId, the path splits once into bucket and key. */
export function parseAccountUri(uri: string, scheme: string): DocumentRef {
  const rest = uriRest(uri, scheme);
  const slash = rest.indexOf('/');
  const second = slash < 0 ? -1 : rest.indexOf('/', slash + 1);
  if (slash <= 0 || second < 0 || second === slash + 1) {
    throw new UriParseError(uri, `expected ${scheme}://<userId>/<bucket>/<key>`);
  }
  return { userId: rest.slice(0, slash), bucket: rest.slice(slash + 1, second), key: rest.slice(second + 1) };
}

/** `<scheme>://<container>/<objectKey>` for s3 and swift: the container comes from the URI, not from config. */
export function parseContainerUri(uri: string, scheme: string): { container: string; objectKey: string } {
  const rest = uriRest(uri, scheme);
  const slash = rest.indexOf('/');
  if (slash <= 0 || slash === rest.length - 1) {
    throw new UriParseError(uri, `expected ${scheme}://<bucket>/<object key>`);
  }
  // Python's urlparse lowercases the hostname, and Anchore reads with that bucket name.
  return { container: rest.slice(0, slash).toLowerCase(), objectKey: rest.slice(slash + 1) };
}

/** An object key in a URL path (s3, swift): every segment percent-encoded, the slashes kept. */
export const encodeObjectKey = (key: string): string => key.split('/').map(encodeURIComponent).join('/');

/** The object key Anchore derives for s3 and swift: `{prefix}{userid}/{bucket}/{key}`, no separator after the prefix. */
export function prefixedObjectKey(prefix: string, ref: DocumentRef): string {
  return `${prefix}${ref.userId}/${ref.bucket}/${ref.key}`;
}

/** Why a key would not stay itself where keys are paths: an empty, "." or ".." segment, or a trailing "/". */
export function pathLikeKeyProblem(key: string): string | undefined {
  if (key.endsWith('/')) return `the key ${JSON.stringify(key)} ends with "/"`;
  const segment = key.split('/').find((s) => s === '' || s === '.' || s === '..');
  return segment === undefined
    ? undefined
    : `the key ${JSON.stringify(key)} has ${segment === '' ? 'an empty' : `a "${segment}"`} path segment`;
}
