/**
 * The network users have: Toxiproxy between the migrators and S3 and between the migrators and PostgreSQL, with
 * a latency toxic on each direction (BENCH_LATENCY_S3_MS, BENCH_LATENCY_PG_MS). The bench's own bookkeeping
 * (fills, counters, settle) keeps the direct connections; only what is measured goes through the proxies.
 */
// The tests' Toxiproxy client: one way to drive it in the repository.
import { startToxiproxy, type Toxiproxy } from '../test/helpers/toxiproxy';
import type { Stack } from './stack';

export interface LatencyNetwork {
  /** The stack as the migrators see it: S3 through its proxy. */
  readonly stack: Stack;
  /** `url` of a catalog, through the PostgreSQL proxy. */
  catalogUrl(url: string): string;
  /** One-way latency added to each direction, in ms. */
  readonly s3Ms: number;
  readonly pgMs: number;
  stop(): Promise<void>;
}

export async function startLatencyNetwork(stack: Stack, s3Ms: number, pgMs: number): Promise<LatencyNetwork> {
  const toxiproxy: Toxiproxy = await startToxiproxy();
  try {
    const s3 = new URL(stack.s3Endpoint);
    const pg = new URL(stack.pgAdminUrl);
    const s3Proxy = await toxiproxy.proxy('bench-s3', `${s3.hostname}:${s3.port}`);
    const pgProxy = await toxiproxy.proxy('bench-pg', `${pg.hostname}:${pg.port || '5432'}`);
    await s3Proxy.latency(s3Ms);
    await pgProxy.latency(pgMs);
    return {
      stack: { ...stack, s3Endpoint: `http://${s3Proxy.listen}` },
      catalogUrl: (url) => {
        const u = new URL(url);
        u.host = pgProxy.listen;
        return u.toString();
      },
      s3Ms,
      pgMs,
      stop: () => toxiproxy.stop(),
    };
  } catch (err) {
    await toxiproxy.stop();
    throw err;
  }
}
