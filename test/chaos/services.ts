/**
 * Faults on the shared services of the test stack: restart the Temporal dev server or VersityGW (SIGTERM to the
 * pid in scripts/stack.sh's pid file, then `scripts/stack.sh up`, which starts what is missing and waits until
 * it answers), and terminate the workers' catalog connections (only those of the test catalog's workers).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pool } from 'pg';

const ROOT = join(__dirname, '../..');

export type StackService = 'temporal' | 'versitygw';

/** The data directory scripts/test.sh gave the stack (scripts/stack.sh's default otherwise). */
function dataDir(): string {
  return process.env.OBJECTSTORAGE_DATA_DIR ?? join(ROOT, '.data');
}

function pidOf(service: StackService): number {
  const file = join(dataDir(), 'run', `${service}.pid`);
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 1) throw new Error(`no pid in ${file}`);
  // Guard against pid reuse: the process must be the stack's binary, started with our data directory.
  const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  if (!cmdline.includes(service === 'temporal' ? 'temporal' : 'versitygw') || !cmdline.includes(dataDir()))
    throw new Error(`pid ${pid} from ${file} is not the stack's ${service}`);
  return pid;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** `scripts/stack.sh up` with the stack environment scripts/test.sh exported. */
export function stackUp(timeoutMs = 180_000): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(join(ROOT, 'scripts/stack.sh'), ['up'], { timeout: timeoutMs }, (err, _stdout, stderr) =>
      err ? reject(new Error(`scripts/stack.sh up failed: ${err.message}\n${stderr}`)) : resolve(),
    );
  });
}

/** Stops `service` by its pid file (SIGTERM, SIGKILL after 15 s) and starts it again; returns seconds down. */
export async function restartService(service: StackService): Promise<number> {
  const pid = pidOf(service);
  const started = Date.now();
  process.kill(pid, 'SIGTERM');
  for (let waited = 0; alive(pid); waited += 100) {
    if (waited === 15_000) process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 100));
  }
  await stackUp();
  return (Date.now() - started) / 1000;
}

/** Terminates every connection of `database` opened with `applicationName`; returns how many. */
export async function terminateConnections(
  admin: Pool,
  database: string,
  applicationName: string,
): Promise<number> {
  const r = await admin.query(
    `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
     WHERE datname = $1 AND application_name = $2 AND pid <> pg_backend_pid()`,
    [database, applicationName],
  );
  return r.rows[0].n;
}
