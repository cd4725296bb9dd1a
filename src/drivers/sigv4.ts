/**
 * AWS Signature Version 4 for the lean S3 requests (s3-lean.ts), with node:crypto alone: header-signed, payload
 * `UNSIGNED-PAYLOAD` (Content-MD5 or a checksum header covers the body). It replaces the SDK's signer there so a
 * copy thread that never falls back to the SDK never loads it (docs/adr/0009); the unit test checks it against
 * the SDK's signer byte for byte.
 */
import { createHash, createHmac } from 'node:crypto';

export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** Static credentials, or a function that gives the current ones (the SDK's refreshing chain for iamauto). */
export type CredentialSource = SigningCredentials | (() => Promise<SigningCredentials>);

export interface UnsignedRequest {
  readonly method: string;
  readonly host: string;
  /** The path as sent, already URI-encoded. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  /** Header names in lower case; all of them are signed. */
  readonly headers: Readonly<Record<string, string>>;
}

/** RFC 3986 encoding as SigV4 wants it: encodeURIComponent leaves !'()* alone, SigV4 does not. */
export const rfc3986 = (s: string): string =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The query string as sent and as signed: keys sorted, keys and values RFC 3986-encoded. */
export const canonicalQuery = (query: Readonly<Record<string, string>>): string =>
  Object.keys(query)
    .sort()
    .map((k) => `${rfc3986(k)}=${rfc3986(query[k] as string)}`)
    .join('&');

const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest();
const sha256Hex = (data: string): string => createHash('sha256').update(data).digest('hex');

/** `20261207T012345Z` of a date. */
const amzDate = (d: Date): string =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

export interface SigV4Signer {
  /** The request's headers with host, x-amz-date, x-amz-content-sha256, a session token and Authorization. */
  sign(req: UnsignedRequest, at?: Date): Promise<Record<string, string>>;
}

export function createSigV4Signer(
  region: string,
  service: string,
  credentials: CredentialSource,
): SigV4Signer {
  let signingKey: { day: string; accessKeyId: string; secret: string; key: Buffer } | undefined;
  const keyFor = (day: string, c: SigningCredentials): Buffer => {
    if (
      signingKey?.day !== day ||
      signingKey.accessKeyId !== c.accessKeyId ||
      signingKey.secret !== c.secretAccessKey
    ) {
      const key = hmac(hmac(hmac(hmac(`AWS4${c.secretAccessKey}`, day), region), service), 'aws4_request');
      signingKey = { day, accessKeyId: c.accessKeyId, secret: c.secretAccessKey, key };
    }
    return signingKey.key;
  };
  return {
    async sign(req, at = new Date()) {
      const c = typeof credentials === 'function' ? await credentials() : credentials;
      const date = amzDate(at);
      const day = date.slice(0, 8);
      const headers: Record<string, string> = {
        ...req.headers,
        host: req.host,
        'x-amz-date': date,
        'x-amz-content-sha256': req.headers['x-amz-content-sha256'] ?? 'UNSIGNED-PAYLOAD',
        ...(c.sessionToken ? { 'x-amz-security-token': c.sessionToken } : {}),
      };
      const names = Object.keys(headers).sort();
      const canonicalHeaders = names
        .map((n) => `${n}:${String(headers[n]).trim().replace(/\s+/g, ' ')}\n`)
        .join('');
      const signedHeaders = names.join(';');
      const canonicalRequest = [
        req.method,
        req.path,
        canonicalQuery(req.query ?? {}),
        canonicalHeaders,
        signedHeaders,
        headers['x-amz-content-sha256'],
      ].join('\n');
      const scope = `${day}/${region}/${service}/aws4_request`;
      const toSign = ['AWS4-HMAC-SHA256', date, scope, sha256Hex(canonicalRequest)].join('\n');
      const signature = createHmac('sha256', keyFor(day, c)).update(toSign).digest('hex');
      headers['authorization'] =
        `AWS4-HMAC-SHA256 Credential=${c.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
      return headers;
    },
  };
}
