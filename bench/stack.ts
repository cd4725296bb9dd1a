/** The bench's own stack (scripts/stack.sh on bench ports and data dir), machine facts and tool versions. */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { ROOT, type Settings } from './settings';

export interface Stack {
  readonly temporalAddress: string;
  readonly s3Endpoint: string;
  readonly s3AccessKey: string;
  readonly s3SecretKey: string;
  readonly pgAdminUrl: string;
  readonly accessLog: string;
  readonly uiBase: string;
}

const TOOLS = join(
  process.env.XDG_CACHE_HOME ?? join(process.env.HOME ?? '/root', '.cache'),
  'anchore-objectstorage/bin',
);

function stackEnv(s: Settings): NodeJS.ProcessEnv {
  // versitygw reads VGW_ACCESS_LOG from its environment: one line per S3 request, for request counts.
  return { ...process.env, ...s.ports, OBJECTSTORAGE_DATA_DIR: s.dataDir, VGW_ACCESS_LOG: accessLogPath(s) };
}
const accessLogPath = (s: Settings): string => join(s.dataDir, 'run/s3-access.log');

export function stackUp(s: Settings): Stack {
  const out = execFileSync(join(ROOT, 'scripts/stack.sh'), ['up'], {
    env: stackEnv(s),
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  const vars: Record<string, string> = {};
  for (const m of out.matchAll(/^export (\w+)=(.*)$/gm))
    vars[m[1] as string] = (m[2] as string).replace(/^'|'$/g, '');
  return {
    temporalAddress: vars.TEMPORAL_ADDRESS ?? `127.0.0.1:${s.ports.TEMPORAL_PORT}`,
    s3Endpoint: vars.OBJECTSTORAGE_S3_ENDPOINT ?? `http://127.0.0.1:${s.ports.S3_PORT}`,
    s3AccessKey: vars.OBJECTSTORAGE_S3_ACCESS_KEY ?? 'objectstorage-dev',
    // stack.sh never prints the secret: it is S3_SECRET_KEY or the documented dev default.
    s3SecretKey: process.env.S3_SECRET_KEY ?? 'objectstorage-dev-secret',
    pgAdminUrl: vars.OBJECTSTORAGE_TEST_PG ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
    accessLog: accessLogPath(s),
    uiBase: `http://127.0.0.1:${s.ports.TEMPORAL_UI_PORT}`,
  };
}

export function stackDown(s: Settings): void {
  execFileSync(join(ROOT, 'scripts/stack.sh'), ['down'], {
    env: stackEnv(s),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

const firstLine = (cmd: string, args: string[]): string => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .slice(0, 2)
      .join(' ');
  } catch (err) {
    return `unavailable (${(err as Error).message.split('\n')[0]})`;
  }
};

export interface Machine {
  readonly nproc: number;
  readonly cpu: string;
  readonly memoryMiB: number;
  readonly loadStart: number[];
  loadEnd?: number[];
}

export function machine(): Machine {
  return {
    nproc: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryMiB: Math.round(totalmem() / 1024 / 1024),
    loadStart: loadavg().map((x) => Number(x.toFixed(2))),
  };
}

export function versions(): Record<string, string> {
  return {
    node: process.version,
    temporal: firstLine(join(TOOLS, 'temporal'), ['--version']),
    versitygw: firstLine(join(TOOLS, 'versitygw'), ['--version']).replace(/\s+Build.*$/, ''),
    rclone: firstLine('rclone', ['--version']).replace(/\s+-.*$/, ''),
    postgres: firstLine('psql', ['--version']),
  };
}
