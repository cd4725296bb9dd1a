/**
 * Two (or more) worker processes under a supervisor: SIGKILL one at random and start it again, and restart any
 * worker that exits by itself (e.g. it could not reach Temporal while the server restarted). Every worker is a
 * child of this process, stopped by its own pid.
 */
import { startCli, type RunningProcess } from '../helpers/processes';

export interface WorkerPool {
  /** SIGKILLs a random running worker that is not held frozen, and starts a new one in its slot; returns its pid. */
  killRandom(): Promise<number | undefined>;
  /** Marks a current worker as frozen (killRandom spares it); false if the pid is not one of ours. */
  hold(pid: number): boolean;
  /** SIGCONT to a held worker, if it is still ours and alive. */
  release(pid: number): void;
  /** Every slot's current worker has said it is polling. */
  ready(): boolean;
  /** Workers that exited without being killed by us, and were restarted. */
  readonly unexpectedExits: number;
  /** Output of every worker process so far (for failure messages; exited workers' tails only). */
  output(): string;
  /** Lines of every worker so far, exited ones included, that match `re` (one of `keptLines`). */
  countLines(re: RegExp): number;
  stop(): Promise<void>;
}

export function startWorkerPool(
  count: number,
  args: readonly string[],
  env: Record<string, string>,
  onUnexpectedExit: (pid: number | undefined, why: string) => void = () => undefined,
  /** Environment of one slot over `env` (worker 0 reaches the catalog and Temporal through fault proxies). */
  envOfSlot: (slot: number) => Record<string, string> = () => ({}),
  /** Lines kept whole from exited workers, for countLines. */
  keptLines: RegExp = /$^/,
): WorkerPool {
  const slots: RunningProcess[] = [];
  const finished: string[] = [];
  const kept: string[] = [];
  const exited = new WeakSet<RunningProcess>();
  const matching = (out: string, re: RegExp): string[] => out.split('\n').filter((l) => re.test(l));
  let stopping = false;
  let unexpectedExits = 0;
  const expectedExit = new WeakSet<RunningProcess>();
  const held = new Set<number>();
  const current = (pid: number): RunningProcess | undefined => slots.find((w) => w.child.pid === pid);
  const release = (pid: number): void => {
    held.delete(pid);
    const w = current(pid);
    if (w && w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGCONT');
  };

  const start = (slot: number): void => {
    const worker = startCli(['worker', ...args], { ...env, ...envOfSlot(slot) });
    slots[slot] = worker;
    worker.child.once('exit', (code, signal) => {
      exited.add(worker);
      kept.push(...matching(worker.output(), keptLines));
      finished.push(
        `--- worker pid ${worker.child.pid} exited (${signal ?? code}) ---\n${worker.output().slice(-2000)}`,
      );
      if (stopping || expectedExit.has(worker)) return;
      unexpectedExits++;
      const lastLine = worker.output().trim().split('\n').pop() ?? '';
      onUnexpectedExit(worker.child.pid, `${signal ?? `exit ${code}`}: ${lastLine.slice(0, 200)}`);
      // Back off a little: a worker that cannot connect exits at once.
      setTimeout(() => stopping || slots[slot] !== worker || start(slot), 1000);
    });
  };
  for (let i = 0; i < count; i++) start(i);

  return {
    async killRandom() {
      const free = slots.flatMap((w, slot) => (held.has(w.child.pid ?? -1) ? [] : [slot]));
      const slot = free[Math.floor(Math.random() * free.length)];
      const victim = slot === undefined ? undefined : slots[slot];
      if (slot === undefined || !victim) return undefined;
      expectedExit.add(victim);
      const pid = victim.child.pid;
      await victim.stop('SIGKILL');
      if (!stopping) start(slot);
      return pid;
    },
    hold(pid) {
      if (!current(pid)) return false;
      held.add(pid);
      return true;
    },
    release,
    countLines: (re) =>
      [
        ...kept,
        ...slots.filter((w) => !exited.has(w)).flatMap((w) => matching(w.output(), keptLines)),
      ].filter((l) => re.test(l)).length,
    ready: () => slots.every((w) => w.output().includes('worker ready')),
    get unexpectedExits() {
      return unexpectedExits;
    },
    output: () =>
      [...finished, ...slots.map((w) => `--- worker pid ${w.child.pid} ---\n${w.output()}`)].join('\n'),
    async stop() {
      stopping = true;
      for (const pid of [...held]) release(pid);
      await Promise.all(slots.map((w) => w.stop('SIGTERM')));
    },
  };
}
