/**
 * An HTTP proxy in front of the stack's real S3 server that answers some requests itself, the way an S3 server we
 * cannot run here would (a server that wants Content-MD5 on DeleteObjects, AWS's 503 SlowDown, ...). Everything
 * else is forwarded byte for byte with its Host header, so SigV4 signatures made for the proxy stay valid.
 */
import { request, createServer, type IncomingMessage, type Server } from 'node:http';
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
  close(): Promise<void>;
}

/** Starts the proxy on a free loopback port in front of `target` (`http://host:port`). */
export async function startS3BehaviourProxy(target: string, rule?: S3Rule): Promise<S3BehaviourProxy> {
  const upstream = new URL(target);
  let current = rule;
  const seen: S3BehaviourProxy['seen'] = [];
  const server: Server = createServer((req, res) => {
    seen.push({
      method: req.method ?? '',
      url: req.url ?? '',
      headers: {
        'content-md5': req.headers['content-md5'] as string | undefined,
        'x-amz-checksum-crc32': req.headers['x-amz-checksum-crc32'] as string | undefined,
      },
    });
    const answer = current?.(req);
    if (answer) {
      // Drain the body first: an early answer to a request still sending confuses keep-alive clients.
      req.resume();
      req.on('end', () => {
        const body =
          `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${answer.code}</Code>` +
          `<Message>${answer.message ?? answer.code}</Message><RequestId>proxy</RequestId></Error>`;
        res.writeHead(answer.status, {
          'Content-Type': 'application/xml',
          'Content-Length': Buffer.byteLength(body),
        });
        res.end(body);
      });
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
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
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
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
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
