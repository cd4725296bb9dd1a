/**
 * Two (or more) worker processes under a supervisor: SIGKILL one at random and start it again, and restart any
 * worker that exits by itself (e.g. it could not reach Temporal while the server restarted). Every worker is a
 * child of this process, stopped by its own pid.
 */
import { startCli, type RunningProcess } from '../helpers/processes';

export interface WorkerPool {
  /** SIGKILLs a random running worker and starts a new one in its slot; returns the killed pid. */
  killRandom(): Promise<number | undefined>;
  /** Every slot's current worker has said it is polling. */
  ready(): boolean;
  /** Workers that exited without being killed by us, and were restarted. */
  readonly unexpectedExits: number;
  /** Output of every worker process so far (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

export function startWorkerPool(
  count: number,
  args: readonly string[],
  env: Record<string, string>,
  onUnexpectedExit: (pid: number | undefined, why: string) => void = () => undefined,
  /** Environment of one slot over `env` (worker 0 reaches the catalog and Temporal through fault proxies). */
  envOfSlot: (slot: number) => Record<string, string> = () => ({}),
): WorkerPool {
  const slots: RunningProcess[] = [];
  const finished: string[] = [];
  let stopping = false;
  let unexpectedExits = 0;
  const expectedExit = new WeakSet<RunningProcess>();

  const start = (slot: number): void => {
    const worker = startCli(['worker', ...args], { ...env, ...envOfSlot(slot) });
    slots[slot] = worker;
    worker.child.once('exit', (code, signal) => {
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
      const slot = Math.floor(Math.random() * slots.length);
      const victim = slots[slot];
      if (!victim) return undefined;
      expectedExit.add(victim);
      const pid = victim.child.pid;
      await victim.stop('SIGKILL');
      if (!stopping) start(slot);
      return pid;
    },
    ready: () => slots.every((w) => w.output().includes('worker ready')),
    get unexpectedExits() {
      return unexpectedExits;
    },
    output: () =>
      [...finished, ...slots.map((w) => `--- worker pid ${w.child.pid} ---\n${w.output()}`)].join('\n'),
    async stop() {
      stopping = true;
      await Promise.all(slots.map((w) => w.stop('SIGTERM')));
    },
  };
}
