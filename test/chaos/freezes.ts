/**
 * Frozen workers at chosen points (issue 20, scenario 3): the supervisor side of freeze-hook.cjs. Each round arms
 * one point, waits for a worker to stop itself just before that statement, holds it frozen past its page lease
 * and its activity's heartbeat timeout (so Temporal gives the page to another attempt), then lets it go on: a
 * zombie attempt that must find its fence lost or commit before the new holder starts, never after.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export const FREEZE_POINTS = ['switch', 'journal', 'delete', 'fence'] as const;
export type FreezePoint = (typeof FREEZE_POINTS)[number];

/** Environment that makes a worker freezable through `file` (the hook is plain CommonJS: no transpiler). */
export function freezableEnv(file: string): Record<string, string> {
  return { CHAOS_FREEZE_FILE: file, NODE_OPTIONS: `--require ${join(__dirname, 'freeze-hook.cjs')}` };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The pid of the worker that claimed the armed file (the hook renames it to `<file>.taken-<pid>`). */
function claimant(file: string): number | undefined {
  if (existsSync(file)) return undefined;
  const prefix = `${basename(file)}.taken-`;
  const taken = readdirSync(dirname(file)).find((f) => f.startsWith(prefix));
  if (!taken) return undefined;
  rmSync(join(dirname(file), taken), { force: true });
  return Number(taken.slice(prefix.length));
}

/** The process is stopped (state T in /proc/<pid>/stat), or gone. */
function stopped(pid: number): boolean {
  try {
    return /^\d+ \(.*\) [Tt]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** Arms `point` and waits up to `waitMs` for a worker to freeze there; its pid, or undefined (disarmed). */
export async function armFreeze(
  file: string,
  point: FreezePoint,
  waitMs: number,
): Promise<number | undefined> {
  writeFileSync(file, point);
  const until = Date.now() + waitMs;
  while (Date.now() < until) {
    const pid = claimant(file);
    if (pid !== undefined) {
      // The hook renames the file, writes one line and stops itself: a moment, not a wait.
      for (let i = 0; i < 50 && !stopped(pid); i++) await sleep(20);
      return pid;
    }
    await sleep(50);
  }
  rmSync(file, { force: true });
  return claimant(file); // claimed just before the disarm
}
