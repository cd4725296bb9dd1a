/** Worker processes as a user runs them (`objectstorage worker`), with peak-RSS sampling from /proc. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { processCpuSeconds } from './cpu';
import { ROOT } from './settings';

/** The installed command (`bin/objectstorage`: Node with the worker memory settings). */
export const BIN = join(ROOT, 'bin/objectstorage');

export interface Worker {
  readonly pid: number;
  /** Highest VmHWM seen (KiB): the kernel's own peak resident set of the process. */
  peakKiB(): number;
  /** CPU seconds the process has used so far (its own threads; the last reading once it has exited). */
  cpuSeconds(): number;
  ready(): Promise<void>;
  stop(): Promise<void>;
}

function vmHwmKiB(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0; // exited
  }
}

/**
 * The launcher's command line with `--cpu-prof`, which Node refuses in NODE_OPTIONS: node with the launcher's
 * settings (bin/objectstorage) and the profile flags, running the script directly.
 */
function profiledWorker(
  env: Record<string, string>,
  dir: string,
): [string, string[], Record<string, string>] {
  const flags = [
    '--cpu-prof',
    `--cpu-prof-dir=${dir}`,
    '--max-semi-space-size=8',
    ...(process.env.BENCH_TRACE_GC ? ['--trace-gc'] : []),
  ];
  const launcherEnv = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072', ...env };
  return [process.execPath, [...flags, `${BIN}.js`, 'worker'], launcherEnv];
}

export function startWorker(env: Record<string, string>, logFile: string, cpuProfDir?: string): Worker {
  const [command, args, childEnv] = cpuProfDir ? profiledWorker(env, cpuProfDir) : [BIN, ['worker'], env];
  const child: ChildProcess = spawn(command, args, { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(logFile);
  let seenReady = false;
  let onReady = (): void => undefined;
  const readyPromise = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    child.once('exit', (code) => {
      if (!seenReady) reject(new Error(`worker exited with ${code} before it was ready; see ${logFile}`));
    });
  });
  const watch = (d: Buffer): void => {
    log.write(d);
    if (!seenReady && d.toString().includes('worker ready')) {
      seenReady = true;
      onReady();
    }
  };
  child.stdout?.on('data', watch);
  child.stderr?.on('data', watch);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pid = child.pid ?? 0;
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, vmHwmKiB(pid))), 250);
  let cpu = 0;
  const cpuSeconds = (): number => (cpu = Math.max(cpu, processCpuSeconds(pid)));
  return {
    pid,
    peakKiB: () => Math.max(peak, vmHwmKiB(pid)),
    cpuSeconds,
    ready: () => readyPromise,
    async stop() {
      peak = Math.max(peak, vmHwmKiB(pid));
      cpuSeconds();
      clearInterval(sampler);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      log.end();
    },
  };
}
