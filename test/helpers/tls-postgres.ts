/**
 * A PostgreSQL 15 of a test's own, started from a fresh data directory with TLS on and `hostssl` as the only
 * TCP rule in pg_hba.conf, with a CA, a server certificate for 127.0.0.1/localhost and a second, unrelated CA
 * made with openssl. It listens on 127.0.0.1 and 127.0.0.2 (an address its certificate does not name) and is
 * stopped by the pid it was started with.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from './processes';
import { makeTestCertificates } from './test-certificates';

const BIN = process.env.OBJECTSTORAGE_TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';

export interface TlsPostgres {
  readonly port: number;
  /** CA that signed the server's certificate, and one that did not. */
  readonly caFile: string;
  readonly otherCaFile: string;
  /** A login role (scram-sha-256 over TLS only) that owns `database`. */
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** `postgresql://user:password@host:port/database` plus `query`. */
  url(query: string, host?: string, withPassword?: boolean): string;
  /** Runs SQL as the superuser over the Unix socket. */
  admin<T>(fn: (c: Client) => Promise<T>, database?: string): Promise<T>;
  stop(): Promise<void>;
}

/** The OS user PostgreSQL runs as: itself, or `postgres` when the tests run as root (postgres refuses root). */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string): number => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
  return { uid: id('-u'), gid: id('-g') };
}

async function waitReady(socketDir: string, port: number, server: ChildProcess, log: () => string) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`postgres exited ${server.exitCode}:\n${log()}`);
    const c = new Client({ host: socketDir, port, user: 'postgres', database: 'postgres' });
    try {
      await c.connect();
      await c.end();
      return;
    } catch {
      await c.end().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`postgres did not start in 30 s:\n${log()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Starts the server; the caller stops it with {@link TlsPostgres.stop}. */
export async function startTlsPostgres(): Promise<TlsPostgres> {
  if (!existsSync(join(BIN, 'postgres'))) throw new Error(`no PostgreSQL server binaries in ${BIN}`);
  try {
    execFileSync('openssl', ['version'], { stdio: 'pipe' });
  } catch {
    throw new Error(
      'openssl is not installed (apt-get install openssl): the TLS tests make their certificates',
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'aos-tls-pg-'));
  const data = join(dir, 'data');
  const certs = makeTestCertificates(dir);
  const as = serverUser();
  if (as) {
    chmodSync(dir, 0o755);
    for (const f of [dir, certs.serverKey, certs.serverCert]) chownSync(f, as.uid, as.gid);
  }
  chmodSync(certs.serverKey, 0o600);
  execFileSync(
    join(BIN, 'initdb'),
    ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-instructions'],
    {
      stdio: 'pipe',
      ...(as ?? {}),
    },
  );
  // TCP only with TLS: a client without it finds no rule ("no encryption"); the socket is for the set-up.
  writeFileSync(
    join(data, 'pg_hba.conf'),
    'local all all trust\nhostssl all all 127.0.0.0/8 scram-sha-256\n',
  );
  if (as) chownSync(join(data, 'pg_hba.conf'), as.uid, as.gid);
  const port = await freePort();
  const settings = {
    port: String(port),
    listen_addresses: '127.0.0.1,127.0.0.2',
    unix_socket_directories: dir,
    ssl: 'on',
    ssl_cert_file: certs.serverCert,
    ssl_key_file: certs.serverKey,
    fsync: 'off',
    shared_buffers: '16MB',
    max_connections: '40',
  };
  const args = ['-D', data, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
  const server = spawn(join(BIN, 'postgres'), args, { stdio: ['ignore', 'pipe', 'pipe'], ...(as ?? {}) });
  let log = '';
  server.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  server.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((r) => server.once('exit', () => r()));
  const stop = async (): Promise<void> => {
    // SIGINT: PostgreSQL's fast shutdown, to the one process this helper started.
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGINT');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const admin = async <T>(fn: (c: Client) => Promise<T>, database = 'postgres'): Promise<T> => {
    const c = new Client({ host: dir, port, user: 'postgres', database });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  };
  try {
    await waitReady(dir, port, server, () => log);
    const user = 'aos_app';
    const password = 'tls-test-password';
    const database = 'aos_catalog';
    await admin(async (c) => {
      await c.query(`CREATE ROLE ${user} LOGIN PASSWORD '${password}'`);
      await c.query(`CREATE DATABASE ${database} OWNER ${user}`);
    });
    return {
      port,
      caFile: certs.caCert,
      otherCaFile: certs.otherCaCert,
      user,
      password,
      database,
      url: (query, host = '127.0.0.1', withPassword = true) =>
        `postgresql://${user}${withPassword ? `:${password}` : ''}@${host}:${port}/${database}${query}`,
      admin,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
