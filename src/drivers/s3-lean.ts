/**
 * Lean S3 requests for the hot path of a migration (HEAD, GET, single-part PUT, CopyObject, ListObjectsV2,
 * DeleteObjects): signed by sigv4.ts and sent on the driver's keep-alive agent, without the SDK's middleware stack,
 * which costs several times the CPU per request (docs/adr/0002). They only handle the expected answers — success,
 * and "absent" where the caller asked for it. Any other status or a network error returns undefined and the caller
 * repeats the request through the SDK, whose retries and error classification then apply unchanged. Used for
 * custom endpoints (path-style), the ones tested here.
 */
import { createHash } from 'node:crypto';
import { request as httpRequest, type Agent, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { encryptedByKey, type ListedPage, type ListRequest } from './s3-list-stat';
import { canonicalQuery, createSigV4Signer, type CredentialSource } from './sigv4';
import { encodeObjectKey } from './uri';

export interface LeanS3Options {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: CredentialSource;
  readonly agent: Agent;
  readonly requestTimeoutMs: number;
  /** Told of every answer that says the server is overloaded (503, 429). */
  readonly onBusy?: () => void;
}

/** What a lean request got: undefined means "ask the SDK". */
export interface LeanS3 {
  head(
    bucket: string,
    key: string,
    signal?: AbortSignal,
  ): Promise<{ size: number; etag: string; encrypted: boolean } | 'absent' | undefined>;
  get(bucket: string, key: string, signal?: AbortSignal): Promise<Buffer | 'absent' | undefined>;
  /** The written object's ETag, and whether a KMS or customer key encrypts it (then the ETag is no md5). */
  put(
    bucket: string,
    key: string,
    data: Buffer,
    md5Base64: string,
    signal?: AbortSignal,
    sha256Base64?: string,
  ): Promise<{ etag: string; encrypted: boolean } | undefined>;
  /** CopyObject; with `ifMatchMd5` only when the source's ETag is that md5 (else 'etag_mismatch'). */
  copy(
    bucket: string,
    key: string,
    source: { bucket: string; key: string },
    ifMatchMd5: string | undefined,
    signal?: AbortSignal,
  ): Promise<'copied' | 'absent' | 'etag_mismatch' | undefined>;
  /** One page of ListObjectsV2 (what verify lists a page's copies with), parsed without the SDK's XML stack. */
  list(req: ListRequest, signal?: AbortSignal): Promise<ListedPage | undefined>;
  /** A quiet DeleteObjects of `keys` (at most 1000) in one bucket: the keys the server did not delete, and why. */
  deleteObjects(
    bucket: string,
    keys: readonly string[],
    signal?: AbortSignal,
  ): Promise<DeleteObjectsError[] | undefined>;
}

/** A key DeleteObjects did not delete, as the server answered it. */
export interface DeleteObjectsError {
  readonly key: string;
  readonly code?: string;
  readonly message?: string;
  readonly versionId?: string;
}

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

const errorCode = (body: Buffer): string | undefined => /<Code>([^<]+)<\/Code>/.exec(body.toString())?.[1];

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Text of an XML element as S3 escapes it: the five named entities and numeric character references. */
export function xmlText(escaped: string): string {
  return escaped.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    return XML_ENTITIES[name] ?? whole;
  });
}

/** The first `<tag>…</tag>` in `xml`, unescaped; undefined when there is none. */
const element = (xml: string, tag: string): string | undefined => {
  const start = xml.indexOf(`<${tag}>`);
  if (start < 0) return undefined;
  const end = xml.indexOf(`</${tag}>`, start);
  return end < 0 ? undefined : xmlText(xml.slice(start + tag.length + 2, end));
};

/** The insides of every `<tag>…</tag>` in `xml`, in order; undefined when one is cut short. */
function blocksOf(xml: string, tag: string): string[] | undefined {
  const blocks: string[] = [];
  for (let from = 0; ;) {
    const start = xml.indexOf(`<${tag}>`, from);
    if (start < 0) return blocks;
    const end = xml.indexOf(`</${tag}>`, start);
    if (end < 0) return undefined;
    blocks.push(xml.slice(start, end));
    from = end;
  }
}

/**
 * A ListObjectsV2 answer: its objects' key, size and ETag, and the continuation token when truncated. Undefined
 * for anything it does not fully understand (an object without key or size, a KeyCount that disagrees), so the
 * SDK asks again.
 */
export function parseListing(xml: string): ListedPage | undefined {
  if (!xml.includes('<ListBucketResult')) return undefined;
  const all = blocksOf(xml, 'Contents');
  if (!all) return undefined;
  const objects: ListedPage['objects'] = [];
  for (const contents of all) {
    const key = element(contents, 'Key');
    const size = Number(element(contents, 'Size'));
    if (key === undefined || !Number.isSafeInteger(size)) return undefined;
    objects.push({ key, size, etag: (element(contents, 'ETag') ?? '').replace(/"/g, '') });
  }
  const keyCount = element(xml, 'KeyCount');
  if (keyCount !== undefined && Number(keyCount) !== objects.length) return undefined;
  if (element(xml, 'IsTruncated') !== 'true') return { objects };
  const next = element(xml, 'NextContinuationToken');
  return next ? { objects, next } : undefined;
}

/** `text` escaped for an XML element: the three characters that would end or break it, and both quotes. */
const xmlEscape = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`);

/**
 * Characters an XML 1.0 parser drops or rewrites in element text (controls; a CR becomes LF): a key with one is
 * left to the SDK, which escapes them as character references.
 */
// eslint-disable-next-line no-control-regex
const NOT_XML_TEXT = /[\u0000-\u001f\ufffe\uffff]/;

const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** The body of a quiet DeleteObjects of `keys`. */
export function deleteObjectsXml(keys: readonly string[]): string {
  const objects = keys.map((k) => `<Object><Key>${xmlEscape(k)}</Key></Object>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="${S3_XMLNS}"><Quiet>true</Quiet>${objects}</Delete>`;
}

/**
 * A DeleteObjects answer: the keys it did not delete. Undefined for anything else (an error document sent with
 * status 200, an `<Error>` without its key), so the SDK asks again; deleting twice deletes nothing more.
 */
export function parseDeleteResult(xml: string): DeleteObjectsError[] | undefined {
  if (!xml.includes('<DeleteResult')) return undefined;
  const all = blocksOf(xml, 'Error');
  if (!all) return undefined;
  const errors: DeleteObjectsError[] = [];
  for (const part of all) {
    const key = element(part, 'Key');
    if (key === undefined) return undefined;
    const [code, message, versionId] = [
      element(part, 'Code'),
      element(part, 'Message'),
      element(part, 'VersionId'),
    ];
    errors.push({
      key,
      ...(code === undefined ? {} : { code }),
      ...(message === undefined ? {} : { message }),
      ...(versionId === undefined ? {} : { versionId }),
    });
  }
  return errors;
}

export function createLeanS3(o: LeanS3Options): LeanS3 {
  const base = new URL(o.endpoint);
  const send = base.protocol === 'https:' ? httpsRequest : httpRequest;
  const signer = createSigV4Signer(o.region, 's3', o.credentials);

  const call = async (
    method: string,
    bucket: string,
    key: string,
    headers: Record<string, string>,
    body: Buffer | undefined,
    signal: AbortSignal | undefined,
    query: Record<string, string> = {},
  ): Promise<Answer | undefined> => {
    // A bucket's own requests (a listing) have no key and no '/' after the bucket.
    const path = `${base.pathname.replace(/\/$/, '')}/${bucket}${key ? `/${encodeObjectKey(key)}` : ''}`;
    const signed = await signer.sign({
      method,
      host: base.host,
      path,
      query,
      headers: {
        'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
        ...(body ? { 'content-length': String(body.length) } : {}),
        ...headers,
      },
    });
    return new Promise((resolve) => {
      let settled = false;
      const done = (a: Answer | undefined): void => {
        if (!settled) resolve(a);
        settled = true;
      };
      const req = send(
        {
          agent: o.agent,
          method,
          protocol: base.protocol,
          hostname: base.hostname,
          port: base.port,
          path: Object.keys(query).length > 0 ? `${path}?${canonicalQuery(query)}` : path,
          headers: signed,
          ...(signal ? { signal } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            if (res.statusCode === 503 || res.statusCode === 429) o.onBusy?.();
            done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
          });
          res.on('error', () => done(undefined));
        },
      );
      req.setTimeout(o.requestTimeoutMs, () => req.destroy());
      req.on('error', () => done(undefined));
      req.end(body);
    });
  };

  const etagOf = (h: IncomingHttpHeaders): string => String(h.etag ?? '').replace(/"/g, '');
  const encryptedBy = (h: IncomingHttpHeaders): boolean => {
    const customer = h['x-amz-server-side-encryption-customer-algorithm'];
    return encryptedByKey(
      String(h['x-amz-server-side-encryption'] ?? ''),
      customer === undefined ? undefined : String(customer),
    );
  };

  return {
    async head(bucket, key, signal) {
      const a = await call('HEAD', bucket, key, {}, undefined, signal);
      if (a?.status === 200) {
        return {
          size: Number(a.headers['content-length'] ?? -1),
          etag: etagOf(a.headers),
          encrypted: encryptedBy(a.headers),
        };
      }
      return a?.status === 404 ? 'absent' : undefined;
    },
    async get(bucket, key, signal) {
      const a = await call('GET', bucket, key, {}, undefined, signal);
      if (a?.status === 200 && a.body.length === Number(a.headers['content-length'] ?? a.body.length))
        return a.body;
      return a?.status === 404 && errorCode(a.body) === 'NoSuchKey' ? 'absent' : undefined;
    },
    async put(bucket, key, data, md5Base64, signal, sha256Base64) {
      const headers = {
        'content-type': 'binary/octet-stream',
        'content-md5': md5Base64,
        ...(sha256Base64 ? { 'x-amz-checksum-sha256': sha256Base64 } : {}),
      };
      const a = await call('PUT', bucket, key, headers, data, signal);
      return a?.status === 200 ? { etag: etagOf(a.headers), encrypted: encryptedBy(a.headers) } : undefined;
    },
    async copy(bucket, key, source, ifMatchMd5, signal) {
      const headers: Record<string, string> = {
        'x-amz-copy-source': `${source.bucket}/${encodeObjectKey(source.key)}`,
        'x-amz-metadata-directive': 'REPLACE',
        'content-type': 'binary/octet-stream',
        'content-length': '0',
        ...(ifMatchMd5 ? { 'x-amz-copy-source-if-match': `"${ifMatchMd5}"` } : {}),
      };
      const a = await call('PUT', bucket, key, headers, undefined, signal);
      // A CopyObject can fail after its 200 header: the error is then in the body.
      if (a?.status === 200) return a.body.includes('<CopyObjectResult') ? 'copied' : undefined;
      if (a?.status === 412) return 'etag_mismatch';
      return a?.status === 404 && errorCode(a.body) === 'NoSuchKey' ? 'absent' : undefined;
    },
    async list({ bucket, prefix, startAfter, token, maxKeys }, signal) {
      const query: Record<string, string> = {
        'list-type': '2',
        prefix,
        'max-keys': String(maxKeys),
        ...(token ? { 'continuation-token': token } : startAfter ? { 'start-after': startAfter } : {}),
      };
      const a = await call('GET', bucket, '', {}, undefined, signal, query);
      return a?.status === 200 ? parseListing(a.body.toString()) : undefined;
    },
    async deleteObjects(bucket, keys, signal) {
      if (keys.length === 0 || keys.length > 1000 || keys.some((k) => NOT_XML_TEXT.test(k))) return undefined;
      const body = Buffer.from(deleteObjectsXml(keys));
      // S3 requires Content-MD5 (or a checksum) on DeleteObjects.
      const headers = {
        'content-type': 'application/xml',
        'content-md5': createHash('md5').update(body).digest('base64'),
      };
      const a = await call('POST', bucket, '', headers, body, signal, { delete: '' });
      return a?.status === 200 ? parseDeleteResult(a.body.toString()) : undefined;
    },
  };
}
