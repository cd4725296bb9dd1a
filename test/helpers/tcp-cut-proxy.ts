/**
 * A TCP proxy on loopback that can cut its connections the way a network fault does (no FIN from the server,
 * no error from PostgreSQL): once armed, a connection is destroyed after the server has sent it `afterBytes`.
 */
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

export interface CutProxy {
  readonly port: number;
  /** Cut every connection once it has received `afterBytes` more from the server (undefined: never). */
  cutAfter(afterBytes: number | undefined): void;
  /** Connections cut so far. */
  cuts(): number;
  close(): Promise<void>;
}

export async function startCutProxy(targetHost: string, targetPort: number): Promise<CutProxy> {
  let threshold: number | undefined;
  let cuts = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(targetPort, targetHost);
    sockets.add(client).add(upstream);
    let received = 0;
    const cut = (): void => {
      cuts++;
      client.destroy();
      upstream.destroy();
    };
    upstream.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (threshold !== undefined && received >= threshold) return cut();
      client.write(chunk);
    });
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    for (const s of [client, upstream]) {
      s.on('error', () => cut());
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    cutAfter: (n) => {
      threshold = n;
    },
    cuts: () => cuts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
