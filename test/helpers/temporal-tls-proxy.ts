/**
 * A TLS-terminating gRPC proxy in front of the dev server (which speaks plaintext only), standing in for a
 * secured Temporal: it presents a server certificate, can require client certificates (mTLS) and can require
 * an API key (`authorization: Bearer …`, as Temporal Cloud does), and forwards every HTTP/2 stream unchanged.
 */
import { readFileSync } from 'node:fs';
import {
  connect,
  constants,
  createSecureServer,
  type ClientHttp2Session,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2';
import type { AddressInfo } from 'node:net';

export interface TlsProxyOptions {
  readonly upstream: string;
  readonly cert: string;
  readonly key: string;
  /** Require a client certificate signed by this CA. */
  readonly clientCa?: string;
  /** Require this API key. */
  readonly apiKey?: string;
}

export interface TlsProxy {
  readonly address: string;
  /** Authorization headers seen, to show an API key arrived (and which). */
  readonly authorizations: string[];
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set([':status', ':method', ':path', ':scheme', ':authority', 'connection', 'host']);

function forwardable(h: IncomingHttpHeaders): OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(h).filter(([k]) => !HOP_BY_HOP.has(k)));
}

export async function startTemporalTlsProxy(o: TlsProxyOptions): Promise<TlsProxy> {
  let upstream: ClientHttp2Session | undefined;
  const session = (): ClientHttp2Session => {
    if (!upstream || upstream.closed || upstream.destroyed) {
      upstream = connect(`http://${o.upstream}`);
      upstream.on('error', () => undefined);
    }
    return upstream;
  };
  const authorizations: string[] = [];
  const server = createSecureServer({
    cert: readFileSync(o.cert),
    key: readFileSync(o.key),
    ALPNProtocols: ['h2'],
    ...(o.clientCa ? { ca: readFileSync(o.clientCa), requestCert: true, rejectUnauthorized: true } : {}),
  });
  server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    const auth = headers.authorization;
    if (typeof auth === 'string') authorizations.push(auth);
    if (o.apiKey && auth !== `Bearer ${o.apiKey}`) {
      stream.respond(
        {
          ':status': 200,
          'content-type': 'application/grpc',
          'grpc-status': '16',
          'grpc-message': 'bad API key',
        },
        { endStream: true },
      );
      return;
    }
    const up = session().request({
      ':method': headers[':method'],
      ':path': headers[':path'],
      ...forwardable(headers),
    });
    let trailers: OutgoingHttpHeaders = {};
    up.on('response', (h) => {
      if (h['grpc-status'] !== undefined) {
        stream.respond({ ...forwardable(h), ':status': h[':status'] }, { endStream: true });
        return;
      }
      stream.respond({ ...forwardable(h), ':status': h[':status'] }, { waitForTrailers: true });
      up.pipe(stream);
    });
    up.on('trailers', (t) => (trailers = forwardable(t)));
    stream.on('wantTrailers', () => stream.sendTrailers(trailers));
    up.on('error', () => stream.close(constants.NGHTTP2_INTERNAL_ERROR));
    stream.on('error', () => up.close(constants.NGHTTP2_CANCEL));
    stream.on('close', () => {
      if (!up.closed) up.close(constants.NGHTTP2_CANCEL);
    });
    stream.pipe(up);
  });
  const sessions = new Set<ServerHttp2Session>();
  server.on('session', (s: ServerHttp2Session) => {
    sessions.add(s);
    s.once('close', () => sessions.delete(s));
  });
  // Failed handshakes are what some tests expect; they must not crash the test process.
  server.on('tlsClientError', () => undefined);
  server.on('sessionError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    authorizations,
    close: () =>
      new Promise<void>((resolve) => {
        upstream?.destroy();
        // Open sessions (a client's long polls) would hold close() and the test process forever.
        for (const s of sessions) s.destroy();
        server.close(() => resolve());
      }),
  };
}
