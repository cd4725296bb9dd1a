/**
 * An HTTP proxy in front of the stack's real S3 server that answers some requests itself, the way an S3 server we
 * cannot run here would (a server that wants Content-MD5 on DeleteObjects, AWS's 503 SlowDown, ...). Everything
 * else is forwarded byte for byte with its Host header, so SigV4 signatures made for the proxy stay valid.
 */
import { createHash } from 'node:crypto';
import {
  request,
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a rule answers instead of the server: a status and an S3 error code. */
export interface S3Answer {
  readonly status: number;
  readonly code: string;
  readonly message?: string;
}

/** Decides per request; undefined forwards it. Requests are seen with their headers, before their bodies. */
export type S3Rule = (req: IncomingMessage) => S3Answer | undefined;

export interface S3BehaviourProxy {
  /** `http://127.0.0.1:<port>`: the endpoint clients use instead of the server's. */
  readonly url: string;
  /** Requests seen, as `METHOD path?query` with the headers named in `recordHeaders`. */
  readonly seen: Array<{ method: string; url: string; headers: Record<string, string | undefined> }>;
  setRule(rule: S3Rule | undefined): void;
  /**
   * Answers as a bucket with default SSE-KMS encryption does on AWS: every single-part ETag (headers, listings,
   * CopyObject results) is not the body's md5, responses say `x-amz-server-side-encryption: aws:kms`, and a
   * CopySourceIfMatch with an md5 fails 412. The objects themselves are the real server's.
   */
  setSseKms(on: boolean): void;
  /**
   * Answers a DeleteObjects request that names versions (a `<VersionId>` in its body) as S3 does when it refuses
   * every key on its own: 200 with one `<Error>` of `code` per key, nothing deleted. Undefined forwards them.
   */
  setVersionedDeleteErrors(code: string | undefined): void;
  /** The same for every DeleteObjects request, with versions or without. */
  setDeleteErrors(code: string | undefined): void;
  close(): Promise<void>;
}

/** Starts the proxy on a free loopback port in front of `target` (`http://host:port`). */
export async function startS3BehaviourProxy(target: string, rule?: S3Rule): Promise<S3BehaviourProxy> {
  const upstream = new URL(target);
  let current = rule;
  let sseKms = false;
  let deleteErrors: { code: string; versionedOnly: boolean } | undefined;
  const seen: S3BehaviourProxy['seen'] = [];
  const server: Server = createServer((req, res) => {
    seen.push({
      method: req.method ?? '',
      url: req.url ?? '',
      headers: {
        'content-md5': req.headers['content-md5'] as string | undefined,
        'x-amz-checksum-crc32': req.headers['x-amz-checksum-crc32'] as string | undefined,
        'x-amz-copy-source': req.headers['x-amz-copy-source'] as string | undefined,
        'x-amz-checksum-sha256': req.headers['x-amz-checksum-sha256'] as string | undefined,
        'user-agent': req.headers['user-agent'],
      },
    });
    const answer = current?.(req);
    if (answer) {
      // Drain the body first: an early answer to a request still sending confuses keep-alive clients.
      req.resume();
      req.on('end', () => answerError(res, answer));
      return;
    }
    if (deleteErrors && req.method === 'POST' && /[?&]delete(=|&|$)/.test(req.url ?? '')) {
      const { code, versionedOnly } = deleteErrors;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        if (versionedOnly && !body.includes('<VersionId>'))
          return forwardBuffered(req, res, upstream, Buffer.concat(chunks));
        const errors = [
          ...body.matchAll(/<Object>\s*<Key>([^<]*)<\/Key>(?:\s*<VersionId>([^<]*)<\/VersionId>)?/g),
        ]
          .map(
            ([, key, version]) =>
              `<Error><Key>${key}</Key>${version ? `<VersionId>${version}</VersionId>` : ''}<Code>${code}</Code>` +
              `<Message>${code}</Message></Error>`,
          )
          .join('');
        const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<DeleteResult>${errors}</DeleteResult>`;
        res.writeHead(200, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(xml) });
        res.end(xml);
      });
      return;
    }
    if (sseKms && req.headers['x-amz-copy-source-if-match']) {
      // No SSE-KMS ETag is an md5, and the ETags this proxy hands out are not the server's: the condition fails.
      req.resume();
      req.on('end', () => answerError(res, { status: 412, code: 'PreconditionFailed' }));
      return;
    }
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (up) => {
        if (!sseKms) {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', () => {
          const body = asSseKms(req, up.headers, Buffer.concat(chunks));
          res.writeHead(up.statusCode ?? 502, {
            ...up.headers,
            ...(up.headers.etag ? { etag: kmsEtag(up.headers.etag) } : {}),
            'x-amz-server-side-encryption': 'aws:kms',
            ...(req.method === 'HEAD' ? {} : { 'content-length': String(body.length) }),
          });
          res.end(body);
        });
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    setRule: (r) => (current = r),
    setSseKms: (on) => (sseKms = on),
    setVersionedDeleteErrors: (code) => (deleteErrors = code ? { code, versionedOnly: true } : undefined),
    setDeleteErrors: (code) => (deleteErrors = code ? { code, versionedOnly: false } : undefined),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Forwards a request whose body was already read. */
function forwardBuffered(req: IncomingMessage, res: ServerResponse, upstream: URL, body: Buffer): void {
  const forward = request(
    { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    },
  );
  forward.on('error', () => res.destroy());
  forward.end(body);
}

function answerError(res: ServerResponse, answer: S3Answer): void {
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${answer.code}</Code>` +
    `<Message>${answer.message ?? answer.code}</Message><RequestId>proxy</RequestId></Error>`;
  res.writeHead(answer.status, {
    'Content-Type': 'application/xml',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** The ETag an SSE-KMS object shows for the server's md5 ETag: 32 hex digits, never the md5. Multipart stays. */
export function kmsEtag(etag: string): string {
  const bare = etag.replace(/"|&quot;|&#34;/g, '');
  if (!/^[0-9a-f]{32}$/.test(bare)) return etag;
  return `"${createHash('md5').update(`sse-kms:${bare}`).digest('hex')}"`;
}

/** XML answers (listings, CopyObject results) with their ETags as SSE-KMS shows them; object bodies as they are. */
function asSseKms(req: IncomingMessage, headers: IncomingHttpHeaders, body: Buffer): Buffer {
  const xml = String(headers['content-type'] ?? '').includes('xml');
  const listing = req.method === 'GET' && /[?&]list-type=2/.test(req.url ?? '');
  const copy = req.method === 'PUT' && req.headers['x-amz-copy-source'] !== undefined;
  if (!xml || !(listing || copy)) return body;
  return Buffer.from(
    body.toString().replace(/<ETag>([^<]*)<\/ETag>/g, (_, etag: string) => `<ETag>${kmsEtag(etag)}</ETag>`),
  );
}

/** Servers that answer DeleteObjects without Content-MD5 with 400 MissingContentMD5 (AWS did until 2025). */
export const wantsContentMd5OnDeleteObjects: S3Rule = (req) =>
  req.method === 'POST' && /[?&]delete(=|&|$)/.test(req.url ?? '') && !req.headers['content-md5']
    ? {
        status: 400,
        code: 'MissingContentMD5',
        message: 'Missing required header for this request: Content-Md5.',
      }
    : undefined;
