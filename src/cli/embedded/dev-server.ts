/**
 * The embedded default for one host: a Temporal dev server whose SQLite file and search attributes live under a
 * state directory, shared by every command run with the same state directory. The command that starts it (or
 * adopts it after the command that started it died) stops it when it ends; the migration's history stays in the
 * SQLite file, so the same command run again resumes the same migration.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedTemporalError } from '../../errors';
import searchAttributes from '../../shared/search-attributes.json';

/** A running embedded server, as recorded in its state directory. */
interface ServerRecord {
  readonly pid: number;
  /** The command that stops it when it ends. */
  readonly ownerPid: number;
  readonly address: string;
  readonly ui: string;
}

/** What a command gets: where to connect, and what to do when it ends. */
export interface EmbeddedServer {
  readonly address: string;
  readonly ui: string;
  readonly stateDir: string;
  /** Whether this command started the server (else it found it running). */
  readonly startedHere: boolean;
  /** Stops the server if this command owns it (started or adopted it); leaves it to its owner otherwise. */
  stop(): Promise<void>;
}

/** How long a server may take to answer: a first start creates the SQLite schema; a found one answers at once. */
export interface Timing {
  readonly startTimeoutMs: number;
  /** Say what is awaited if the server has not answered after this long. */
  readonly sayWaitingAfterMs: number;
}

const TIMING: Timing = { startTimeoutMs: 60_000, sayWaitingAfterMs: 3_000 };

/** OBJECTSTORAGE_STATE_DIR, else under XDG_DATA_HOME or ~/.local/share. */
export function defaultStateDir(env: NodeJS.ProcessEnv): string {
  return (
    env.OBJECTSTORAGE_STATE_DIR ??
    join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'anchore-objectstorage')
  );
}

function paths(stateDir: string) {
  const dir = join(stateDir, 'temporal');
  return {
    dir,
    db: join(dir, 'temporal.db'),
    record: join(dir, 'server.json'),
    lock: join(dir, 'start.lock'),
    log: join(dir, 'server.log'),
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether `pid` is the dev server of this state directory (its command line names our SQLite file). */
function isOurServer(pid: number, db: string): boolean {
  if (!alive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(db);
  } catch {
    return true; // no /proc: trust the pid
  }
}

function readRecord(file: string): ServerRecord | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ServerRecord;
  } catch {
    return undefined;
  }
}

function writeRecord(file: string, r: ServerRecord): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(r));
  renameSync(`${file}.tmp`, file);
}

/** The embedded server of `stateDir` if one runs, without starting one. */
export function runningEmbeddedServer(stateDir: string): ServerRecord | undefined {
  const p = paths(stateDir);
  const r = readRecord(p.record);
  return r && isOurServer(r.pid, p.db) ? r : undefined;
}

/** Reuses the server of `stateDir` or starts one; `say` tells the operator what is awaited. */
export async function ensureEmbeddedServer(
  stateDir: string,
  binary: string,
  say: (line: string) => void,
  ready: (address: string, signal: AbortSignal) => Promise<void>,
  timing: Timing = TIMING,
): Promise<EmbeddedServer> {
  const p = paths(stateDir);
  mkdirSync(p.dir, { recursive: true });
  const release = await lockStart(p.lock, say, timing);
  try {
    let r = runningEmbeddedServer(stateDir);
    let startedHere = false;
    if (r && !alive(r.ownerPid)) {
      // Its owner was killed: this command adopts it and stops it when it ends.
      r = { ...r, ownerPid: process.pid };
      writeRecord(p.record, r);
    }
    if (!r) {
      r = await start(p, binary, say, ready, timing);
      startedHere = true;
    } else {
      await untilAnswering(p, r, say, ready, timing, new Promise<never>(() => undefined), 'does not answer');
    }
    const record = r;
    return {
      address: record.address,
      ui: record.ui,
      stateDir,
      startedHere,
      stop: () => (record.ownerPid === process.pid ? stopServer(p, record.pid) : Promise.resolve()),
    };
  } finally {
    release();
  }
}

async function start(
  p: ReturnType<typeof paths>,
  binary: string,
  say: (line: string) => void,
  ready: (address: string, signal: AbortSignal) => Promise<void>,
  timing: Timing,
): Promise<ServerRecord> {
  const [port, uiPort, httpPort, metricsPort] = await freePorts(4);
  const args = [
    'server',
    'start-dev',
    ...['--ip', '127.0.0.1', '--port', String(port), '--ui-ip', '127.0.0.1', '--ui-port', String(uiPort)],
    ...['--http-port', String(httpPort), '--metrics-port', String(metricsPort)],
    ...['--db-filename', p.db, '--namespace', 'default', '--log-level', 'warn'],
    ...['--disable-config-env', '--disable-config-file'],
    ...Object.entries(searchAttributes).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
  ];
  const log = openSync(p.log, 'a');
  // Its own process group: a Ctrl-C meant for this command must not kill Temporal under its draining workers.
  const child = spawn(binary, args, { detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new EmbeddedTemporalError(`could not run ${binary}; see ${p.log}`);
  const record: ServerRecord = {
    pid,
    ownerPid: process.pid,
    address: `127.0.0.1:${port}`,
    ui: `http://127.0.0.1:${uiPort}`,
  };
  writeRecord(p.record, record);
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code, signal) =>
      reject(
        new EmbeddedTemporalError(
          `the embedded Temporal dev server exited (${signal ?? `code ${code}`}) while starting: ${tail(p.log)} ` +
            `(full log: ${p.log})`,
        ),
      ),
    ),
  );
  try {
    await untilAnswering(p, record, say, ready, timing, exited, 'did not answer');
  } catch (err) {
    await stopServer(p, pid);
    throw err;
  } finally {
    child.removeAllListeners('exit');
  }
  return record;
}

/**
 * Until `ready` resolves for the server of `record`: the wait is said after a few seconds and given up with a
 * named error at the deadline (or as soon as `exited` rejects), whether the server was just started or found.
 */
async function untilAnswering(
  p: ReturnType<typeof paths>,
  record: ServerRecord,
  say: (line: string) => void,
  ready: (address: string, signal: AbortSignal) => Promise<void>,
  timing: Timing,
  exited: Promise<never>,
  failure: 'did not answer' | 'does not answer',
): Promise<void> {
  const saying = setTimeout(
    () =>
      say(
        `waiting for the embedded Temporal dev server (pid ${record.pid}) to answer on ${record.address}; ` +
          `log: ${p.log}`,
      ),
    timing.sayWaitingAfterMs,
  );
  let timer: NodeJS.Timeout | undefined;
  // Whatever ends the wait also ends the polling behind `ready`, or its timers would keep the process alive.
  const polling = new AbortController();
  const seconds = Math.round(timing.startTimeoutMs / 1000);
  const hint =
    failure === 'does not answer'
      ? `it runs but ${failure} on ${record.address} within ${seconds} s; if it is stuck, stop it ` +
        `(kill ${record.pid}) and run the command again; see ${p.log}`
      : `${failure} within ${seconds} s; see ${p.log}`;
  try {
    await Promise.race([
      ready(record.address, polling.signal),
      exited,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(new EmbeddedTemporalError(`the embedded Temporal dev server (pid ${record.pid}) ${hint}`)),
          timing.startTimeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(saying);
    clearTimeout(timer);
    polling.abort();
  }
}

/** SIGTERM, then SIGKILL after 15 s; the SQLite file keeps the histories. */
async function stopServer(p: ReturnType<typeof paths>, pid: number): Promise<void> {
  if (isOurServer(pid, p.db)) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 15_000;
    while (alive(pid) && Date.now() < deadline) await sleep(100);
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
  if (readRecord(p.record)?.pid === pid) rmSync(p.record, { force: true });
}

/** One start at a time per state directory; a lock whose holder died is taken over. */
async function lockStart(file: string, say: (line: string) => void, timing: Timing): Promise<() => void> {
  const deadline = Date.now() + timing.startTimeoutMs;
  let said = false;
  for (;;) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number(readFileSync(file, 'utf8'));
    if (!Number.isInteger(holder) || !alive(holder)) {
      rmSync(file, { force: true });
      continue;
    }
    if (Date.now() > deadline)
      throw new EmbeddedTemporalError(
        `process ${holder} has been starting the embedded Temporal for ${Math.round(timing.startTimeoutMs / 1000)} s (${file})`,
      );
    if (!said) say(`waiting for process ${holder}, which is starting the embedded Temporal dev server`);
    said = true;
    await sleep(200);
  }
}

/** The last lines of the server's log, for an error message. */
function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-3).join(' | ').slice(-600);
  } catch {
    return '(no log)';
  }
}

async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const s = createServer();
          s.once('error', reject);
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
