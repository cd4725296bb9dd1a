/**
 * Lean S3 requests for the hot path of a migration (HEAD, GET, single-part PUT, CopyObject): signed with the
 * SDK's own SigV4 signer and sent on the driver's keep-alive agent, without the SDK's middleware stack, which
 * costs several times the CPU per request (docs/adr/0002). They only handle the expected
 * answers — success, and "absent" where the caller asked for it. Any other status or a network error returns
 * undefined and the caller repeats the request through the SDK, whose retries and error classification then
 * apply unchanged. Used for custom endpoints (path-style), the ones tested here.
 */
import { createHash, createHmac } from 'node:crypto';
import { request as httpRequest, type Agent, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AwsCredentialIdentity, Provider, SourceData } from '@smithy/types';
import { SignatureV4 } from '@smithy/signature-v4';
import { encryptedByKey } from './s3-list-stat';
import { encodeObjectKey } from './uri';

export interface LeanS3Options {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: AwsCredentialIdentity | Provider<AwsCredentialIdentity>;
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
}

const bytes = (d: SourceData): Buffer | string =>
  typeof d === 'string'
    ? d
    : ArrayBuffer.isView(d)
      ? Buffer.from(d.buffer, d.byteOffset, d.byteLength)
      : Buffer.from(d);

/** node:crypto sha256 and hmac in the shape the signer wants. */
class Sha256 {
  private readonly h;
  constructor(secret?: SourceData) {
    this.h = secret ? createHmac('sha256', bytes(secret)) : createHash('sha256');
  }
  update(data: SourceData): void {
    this.h.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.h.digest());
  }
}

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

const errorCode = (body: Buffer): string | undefined => /<Code>([^<]+)<\/Code>/.exec(body.toString())?.[1];

export function createLeanS3(o: LeanS3Options): LeanS3 {
  const base = new URL(o.endpoint);
  const send = base.protocol === 'https:' ? httpsRequest : httpRequest;
  const signer = new SignatureV4({
    service: 's3',
    region: o.region,
    credentials: o.credentials,
    sha256: Sha256,
    uriEscapePath: false, // the path is already encoded, as S3 wants it signed
    applyChecksum: false,
  });

  const call = async (
    method: string,
    bucket: string,
    key: string,
    headers: Record<string, string>,
    body: Buffer | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Answer | undefined> => {
    const path = `${base.pathname.replace(/\/$/, '')}/${bucket}/${encodeObjectKey(key)}`;
    const signed = await signer.sign({
      method,
      protocol: base.protocol,
      hostname: base.hostname,
      ...(base.port ? { port: Number(base.port) } : {}),
      path,
      query: {},
      headers: {
        host: base.host,
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
          path,
          headers: signed.headers,
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
  };
}
