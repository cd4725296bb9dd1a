/**
 * The HTTP layer of the swift driver: node:http(s) with keep-alive agents rather than `fetch`, because the WHATWG
 * URL parser behind `fetch` collapses `.` and `..` path segments (even percent-encoded ones), and Swift object
 * names may contain them. Paths are sent exactly as given; {@link objectPath} percent-encodes them.
 */
import {
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
} from 'node:http';
import { Readable } from 'node:stream';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { EndpointUnreachableError, NETWORK_ERROR_CODES } from '../errors';
import { encodeObjectKey } from './uri';

/** One buffered HTTP exchange. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface HttpCall {
  readonly method: string;
  /** Absolute base URL (scheme, host, port, optional path prefix), e.g. the Swift storage URL. */
  readonly base: string;
  /** Already percent-encoded path and query appended to the base path: `/container/obj`, `?bulk-delete`. */
  readonly path?: string;
  readonly headers?: Record<string, string>;
  /** A buffer, or a stream sent with chunked transfer encoding (documents too large to hold). */
  readonly body?: Buffer | string | Readable;
  readonly signal?: AbortSignal;
}

/** An HTTP exchange whose response body is still to be read. */
export interface StreamedResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: IncomingMessage;
}

/** A client with its own connection pool; `timeoutMs` bounds socket inactivity of each request. */
export function createHttpClient(maxSockets: number, timeoutMs = 120_000) {
  const agents = {
    'http:': new HttpAgent({ keepAlive: true, maxSockets }),
    'https:': new HttpsAgent({ keepAlive: true, maxSockets }),
  };

  /** Sends the request and resolves with the response as soon as its head arrives. */
  const open = (call: HttpCall): Promise<StreamedResponse> =>
    new Promise((resolve, reject) => {
      const base = new URL(call.base);
      const protocol = base.protocol === 'https:' ? 'https:' : 'http:';
      const path = `${base.pathname.replace(/\/$/, '')}${call.path ?? ''}` || '/';
      const stream = call.body instanceof Readable ? call.body : undefined;
      const body =
        call.body === undefined || call.body instanceof Readable ? undefined : Buffer.from(call.body);
      const req = (protocol === 'https:' ? httpsRequest : httpRequest)(
        {
          protocol,
          hostname: base.hostname.replace(/^\[|\]$/g, ''),
          port: base.port || undefined,
          method: call.method,
          path,
          agent: agents[protocol],
          headers: {
            ...call.headers,
            ...(body ? { 'Content-Length': String(body.length) } : {}),
            ...(stream ? { 'Transfer-Encoding': 'chunked' } : {}),
          },
          signal: call.signal,
          timeout: timeoutMs,
        },
        (res) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res }),
      );
      req.on('timeout', () =>
        req.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })),
      );
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (call.signal?.aborted) reject(call.signal.reason);
        else if (err.code && NETWORK_ERROR_CODES.has(err.code))
          reject(new EndpointUnreachableError(base.origin, err.code, { cause: err }));
        else reject(err);
      });
      if (stream) {
        stream.on('error', (err) => req.destroy(err));
        stream.pipe(req);
      } else req.end(body);
    });

  /** One buffered exchange. */
  const send = async (call: HttpCall): Promise<HttpResponse> => buffered(await open(call));

  return {
    open,
    send,
    close(): void {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}

export type HttpClient = ReturnType<typeof createHttpClient>;

/** A streamed answer with its body read whole. */
export async function buffered(res: StreamedResponse): Promise<HttpResponse> {
  const chunks: Buffer[] = [];
  for await (const c of res.body) chunks.push(c as Buffer);
  return { status: res.status, headers: res.headers, body: Buffer.concat(chunks) };
}

/** `/<container>/<object name>` percent-encoded segment by segment (`/` kept, everything else UTF-8 escaped). */
export function objectPath(container: string, objectName?: string): string {
  const c = `/${encodeURIComponent(container)}`;
  return objectName === undefined ? c : `${c}/${encodeObjectKey(objectName)}`;
}

/** The first value of a response header. */
export function header(res: HttpResponse, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
