/**
 * CPU seconds per component between two snapshots, from /proc: the bench process and its children (workers,
 * the CLI, rclone — reaped children add to cutime), VersityGW and Temporal (by the stack's pid files) and
 * PostgreSQL (every backend, plus what the postmaster has reaped). With the machine's busy share this shows
 * where a run's time goes and whether the machine itself was the limit; the share of the time every task waited
 * on the disk (pressure stall information, /proc/pressure/io "full") shows a phase the disk held back instead.
 */
import { readFileSync, readdirSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // getconf CLK_TCK on Linux

export type CpuSnapshot = Record<string, number> & {
  machineBusy: number;
  machineTotal: number;
  /** Microseconds all non-idle tasks were stalled on I/O (PSI), and the wall clock; -1 without PSI. */
  ioFullMicros: number;
  wallMicros: number;
};

interface ProcStat {
  readonly comm: string;
  readonly ppid: number;
  readonly own: number;
  readonly children: number;
}

function procStat(pid: string): ProcStat | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = s.lastIndexOf(')');
    const comm = s.slice(s.indexOf('(') + 1, close);
    const f = s.slice(close + 2).split(' '); // f[0] is field 3 (state)
    const n = (i: number): number => Number(f[i - 3]);
    return { comm, ppid: n(4), own: n(14) + n(15), children: n(16) + n(17) };
  } catch {
    return undefined; // exited
  }
}

/** CPU seconds a live process has used itself (all its threads); 0 once it has exited. */
export function processCpuSeconds(pid: number): number {
  return (procStat(String(pid))?.own ?? 0) / TICKS_PER_SECOND;
}

function machineTicks(): { busy: number; total: number } {
  const cpu =
    readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
  const total = cpu.reduce((a, b) => a + b, 0);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0); // idle + iowait
  return { busy: total - idle, total };
}

function ioFullMicros(): number {
  try {
    const full = /^full .*total=(\d+)/m.exec(readFileSync('/proc/pressure/io', 'utf8'));
    return full ? Number(full[1]) : -1;
  } catch {
    return -1; // a kernel without PSI
  }
}

function pidIn(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n')[0]?.trim() ?? '';
  } catch {
    return '';
  }
}

/** CPU ticks of each component now; `pidFiles` name this bench's VersityGW and Temporal. */
export function cpuSnapshot(pidFiles: { versitygw: string; temporal: string }): CpuSnapshot {
  const out: Record<string, number> = { bench: 0, versitygw: 0, temporal: 0, postgres: 0 };
  const self = procStat('self');
  if (self) out.bench = self.own + self.children;
  for (const name of ['versitygw', 'temporal'] as const) {
    const st = procStat(pidIn(pidFiles[name]));
    if (st) out[name] = st.own + st.children;
  }
  const pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  const stats = new Map(pids.map((p) => [p, procStat(p)] as const));
  for (const st of stats.values()) {
    if (st?.comm === 'postgres') {
      const isPostmaster = stats.get(String(st.ppid))?.comm !== 'postgres';
      out.postgres = (out.postgres ?? 0) + st.own + (isPostmaster ? st.children : 0);
    }
  }
  const m = machineTicks();
  return {
    ...out,
    machineBusy: m.busy,
    machineTotal: m.total,
    ioFullMicros: ioFullMicros(),
    wallMicros: Number(process.hrtime.bigint() / 1000n),
  } as CpuSnapshot;
}

/** CPU seconds per component between two snapshots, and the machine's busy share (0–1) meanwhile. */
export interface CpuUse {
  readonly seconds: Record<string, number>;
  readonly machineBusyShare: number;
  /** Share (0–1) of the time all tasks waited on the disk; absent without PSI. */
  readonly ioStalledShare?: number;
}

export function cpuDelta(a: CpuSnapshot, b: CpuSnapshot): CpuUse {
  const seconds: Record<string, number> = {};
  for (const k of ['bench', 'versitygw', 'temporal', 'postgres']) {
    seconds[k] = Math.round((((b[k] ?? 0) - (a[k] ?? 0)) / TICKS_PER_SECOND) * 10) / 10;
  }
  const total = b.machineTotal - a.machineTotal;
  const wall = b.wallMicros - a.wallMicros;
  const stalled = a.ioFullMicros >= 0 && b.ioFullMicros >= 0 && wall > 0;
  return {
    seconds,
    machineBusyShare: total > 0 ? Math.round(((b.machineBusy - a.machineBusy) / total) * 100) / 100 : 0,
    ...(stalled
      ? { ioStalledShare: Math.round(((b.ioFullMicros - a.ioFullMicros) / wall) * 100) / 100 }
      : {}),
  };
}

const busy = (c: CpuUse): string =>
  `machine ${Math.round(c.machineBusyShare * 100)}% busy` +
  (c.ioStalledShare !== undefined ? `, ${Math.round(c.ioStalledShare * 100)}% stalled on disk` : '');

/** "bench 12.3 s, versitygw 20.1 s, …; machine 97% busy" */
export function describeCpu(c: CpuUse): string {
  const parts = Object.entries(c.seconds).map(([k, v]) => `${k} ${v} s`);
  return `CPU ${parts.join(', ')}; ${busy(c)}`;
}

/** "bench 2.19, versitygw 1.11, …; machine 97% busy": CPU ms per document; `skipIdle` leaves out 0 s parts. */
export function describeCpuPerDocument(c: CpuUse, documents: number, skipIdle = false): string {
  const parts = Object.entries(c.seconds)
    .filter(([, v]) => !skipIdle || v > 0)
    .map(([k, v]) => `${k} ${((v * 1000) / documents).toFixed(2)}`);
  return `${parts.join(', ')}; ${busy(c)}`;
}
