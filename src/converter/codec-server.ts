/**
 * Temporal's codec server protocol for the Web UI (and `temporal --codec-endpoint`): POST /encode and /decode
 * with `{"payloads": [...]}` in Temporal's JSON form, answered from the browser's origin with CORS. The UI
 * decodes what it shows through it, so the browser reads payloads while Temporal's database never holds them.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { scrubSecrets } from '../config/redact';
import { fromJson, PAYLOAD_CODEC_ERRORS, toJson } from './payload-codec';

/** Largest request body read: a batch of payloads of up to Temporal's 2 MiB each. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** Options of {@link startCodecServer}. */
export interface CodecServerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Browser origins allowed to call it (`http://ui-host:8233`); requests with another Origin are refused. */
  readonly uiOrigins: readonly string[];
  /** The namespace whose payloads the codec's keys are for; payloads of others pass through unchanged. */
  readonly namespace: string;
  readonly codec: PayloadCodec;
}

/** A listening codec server. */
export interface RunningCodecServer {
  /** Its base URL, what TEMPORAL_CODEC_ENDPOINT is set to. */
  readonly url: string;
  close(): Promise<void>;
}

const requestSchema = z.object({
  payloads: z.array(
    z.object({ metadata: z.record(z.string(), z.string()).optional(), data: z.string().optional() }),
  ),
});

/** Starts serving; resolves once it listens. */
export async function startCodecServer(o: CodecServerOptions): Promise<RunningCodecServer> {
  const server: Server = createServer((req, res) => {
    handle(o, req, res).catch(() => reply(res, 500, { message: 'codec server error' }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // The UI keeps its connections open: stopping must not wait for them.
        server.closeAllConnections();
      }),
  };
}

async function handle(o: CodecServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const origin = req.headers.origin;
  if (origin !== undefined) {
    // Only the UI's pages may use it from a browser: another site's script must not decrypt through it.
    if (!o.uiOrigins.includes(origin))
      return reply(res, 403, { message: `origin ${origin} is not the Temporal UI's (--ui-origin)` });
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    res.setHeader('Vary', 'Origin');
  }
  if (req.method === 'OPTIONS') {
    res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', 'Content-Type, X-Namespace, Authorization');
    res.setHeader('Access-Control-Max-Age', '600');
    res.writeHead(204).end();
    return;
  }
  // `/encode`, or `/{namespace}/encode` as the Temporal CLI's --codec-endpoint templating calls it.
  const route = /(?:\/([^/]+))?\/(encode|decode)$/.exec(new URL(req.url ?? '/', 'http://codec').pathname);
  const action = route?.[2];
  if (!action) return reply(res, 404, { message: 'POST /encode or /decode' });
  if (req.method !== 'POST') return reply(res, 405, { message: `${req.method} ${action}: use POST` });
  const body = await readBody(req);
  if (body === undefined) return reply(res, 413, { message: `request larger than ${MAX_BODY_BYTES} bytes` });
  const parsed = requestSchema.safeParse(parseJson(body));
  if (!parsed.success) return reply(res, 400, { message: 'expected {"payloads": [{"metadata", "data"}]}' });
  const payloads: Payload[] = parsed.data.payloads.map((p) =>
    fromJson({ metadata: p.metadata ?? {}, data: p.data ?? '' }),
  );
  const namespace = req.headers['x-namespace'] ?? (route?.[1] && decodeURIComponent(route[1]));
  // Without a namespace (curl, older UIs) the request is taken as ours.
  const ours = namespace === undefined || namespace === o.namespace;
  try {
    const out = !ours
      ? payloads
      : action === 'encode'
        ? await o.codec.encode(payloads)
        : await o.codec.decode(payloads);
    reply(res, 200, { payloads: out.map(toJson) });
  } catch (err) {
    const e = err as Error;
    if (!PAYLOAD_CODEC_ERRORS.includes(e?.name)) throw err;
    reply(res, 422, { error: e.name, message: scrubSecrets(e.message) });
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

/** The body, or undefined when it exceeds {@link MAX_BODY_BYTES}. */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
