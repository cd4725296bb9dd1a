/**
 * The worker's liveness and readiness endpoints for Kubernetes probes: `/healthz` answers while the process
 * serves requests at all; `/readyz` answers 200 only while the worker polls and both Temporal and the catalog
 * answer now, else 503 with what it waits for (the same words its log uses), so a rollout waits for real work.
 */
import { createServer, type Server } from 'node:http';
import { EndpointUnreachableError } from '../errors';

/** Where the endpoints listen. */
export interface HealthAddress {
  readonly host: string;
  readonly port: number;
}

/** Whether the worker can take work now; `reason` says what it waits for when not. */
export interface Readiness {
  readonly ready: boolean;
  readonly reason: string;
}

/** A readiness probe; the server caches its answer this long so frequent probes cost one check. */
const CACHE_MS = 2_000;

export interface HealthServer {
  close(): Promise<void>;
}

/** Serves `/healthz` and `/readyz` on `address`; a busy port is a named error. */
export async function serveHealth(
  address: HealthAddress,
  readiness: () => Promise<Readiness>,
): Promise<HealthServer> {
  let cached: { at: number; value: Promise<Readiness> } | undefined;
  const check = (): Promise<Readiness> => {
    if (!cached || Date.now() - cached.at > CACHE_MS)
      cached = {
        at: Date.now(),
        value: readiness().catch((err: unknown) => ({ ready: false, reason: (err as Error).message })),
      };
    return cached.value;
  };
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (path !== '/readyz') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: /healthz, /readyz\n');
      return;
    }
    void check().then((r) =>
      res.writeHead(r.ready ? 200 : 503, { 'content-type': 'text/plain' }).end(`${r.reason}\n`),
    );
  });
  await listen(server, address);
  return { close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function listen(server: Server, a: HealthAddress): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new EndpointUnreachableError(
          `health endpoint ${a.host}:${a.port}`,
          `cannot serve /healthz and /readyz on ${a.host}:${a.port} (${err.code ?? err.message})`,
          { cause: err },
          'Choose a free port with --health-port.',
        ),
      ),
    );
    server.listen(a.port, a.host, () => resolve());
  });
}
