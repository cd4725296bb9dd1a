/**
 * Toxiproxy (built by scripts/ensure-tools.sh) between a worker and PostgreSQL / Temporal / S3, so tests can
 * inject the network faults a real deployment sees — cut connections, latency, resets — without root or iptables.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { freePort } from './processes';
import { temporalBin } from './stack-env';

export interface Proxy {
  readonly name: string;
  /** host:port that clients connect to instead of the upstream. */
  readonly listen: string;
  readonly port: number;
  /** Drops every open connection and refuses new ones until restore(). */
  cut(): Promise<void>;
  restore(): Promise<void>;
  /** Adds (or replaces) latency ± jitter on each direction, so a round trip takes about twice `ms`. */
  latency(ms: number, jitterMs?: number): Promise<void>;
  /** Connections opened from now on are reset (TCP RST) `timeoutMs` after they first carry data. */
  resetPeer(timeoutMs?: number): Promise<void>;
  clearToxics(): Promise<void>;
}

export interface Toxiproxy {
  /** The HTTP API, e.g. http://127.0.0.1:12345. */
  readonly url: string;
  proxy(name: string, upstream: string): Promise<Proxy>;
  stop(): Promise<void>;
}

/** Next to the Temporal CLI in the tool cache, so OBJECTSTORAGE_TOOLS_DIR moves both. */
export function toxiproxyBin(): string {
  return join(dirname(temporalBin()), 'toxiproxy');
}

export class ToxiproxyApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

const STREAMS = ['downstream', 'upstream'] as const;

export async function startToxiproxy(): Promise<Toxiproxy> {
  const bin = toxiproxyBin();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // Toxiproxy logs (including a fatal "address already in use") to stdout, so both streams are kept for errors.
  const child = spawn(bin, ['-host', '127.0.0.1', '-port', String(port)], {
    env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (d: Buffer): void => {
    output = (output + d.toString()).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let spawnError: Error | undefined;
  child.once('error', (e) => (spawnError = e));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const running = (): boolean => child.exitCode === null && child.signalCode === null && !spawnError;

  const stop = async (): Promise<void> => {
    if (child.pid === undefined || !running()) return;
    child.kill('SIGTERM');
    // It exits on SIGTERM at once; SIGKILL only so a wedged server cannot hang afterAll.
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + 10_000;
  for (;;) {
    if (!running()) {
      const why = spawnError
        ? `${spawnError.message} (run scripts/ensure-tools.sh to build it)`
        : `exited with ${child.exitCode ?? child.signalCode}`;
      throw new Error(`${bin}: ${why}; output: ${output.trim() || '(none)'}`);
    }
    try {
      if ((await fetch(`${url}/version`, { signal: AbortSignal.timeout(1000) })).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `${bin}: did not answer GET ${url}/version within 10 s; output: ${output.trim() || '(none)'}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  const api = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(url + path, {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) {
      throw new ToxiproxyApiError(`toxiproxy ${method} ${path}: ${res.status} ${text.trim()}`, res.status);
    }
    return text ? (JSON.parse(text) as unknown) : undefined;
  };

  const proxy = async (name: string, upstream: string): Promise<Proxy> => {
    // Port 0 lets Toxiproxy bind the port itself (no race with other tests); it answers with the real address,
    // which it also reuses when the proxy is re-enabled.
    const created = (await api('POST', '/proxies', {
      name,
      listen: '127.0.0.1:0',
      upstream,
      enabled: true,
    })) as {
      listen: string;
    };
    const base = `/proxies/${encodeURIComponent(name)}`;
    // A toxic acts on one direction only; two with fixed names make "replace" a plain update.
    const setToxic = async (
      type: string,
      stream: string,
      attributes: Record<string, number>,
    ): Promise<void> => {
      const toxic = `${type}_${stream}`;
      try {
        await api('POST', `${base}/toxics`, { name: toxic, type, stream, toxicity: 1, attributes });
      } catch (e) {
        if (!(e instanceof ToxiproxyApiError && e.status === 409)) throw e;
        await api('POST', `${base}/toxics/${toxic}`, { toxicity: 1, attributes });
      }
    };
    return {
      name,
      listen: created.listen,
      port: Number(created.listen.slice(created.listen.lastIndexOf(':') + 1)),
      cut: async () => void (await api('POST', base, { enabled: false })),
      restore: async () => void (await api('POST', base, { enabled: true })),
      latency: async (ms, jitterMs = 0) => {
        for (const s of STREAMS) await setToxic('latency', s, { latency: ms, jitter: jitterMs });
      },
      resetPeer: async (timeoutMs = 0) => {
        for (const s of STREAMS) await setToxic('reset_peer', s, { timeout: timeoutMs });
      },
      clearToxics: async () => {
        const toxics = (await api('GET', `${base}/toxics`)) as { name: string }[];
        for (const t of toxics) await api('DELETE', `${base}/toxics/${encodeURIComponent(t.name)}`);
      },
    };
  };

  return { url, proxy, stop };
}
