/** Assertions the bad-input suite shares: a named error with a hint, its exit code, and nothing changed. */
import { createServer } from 'node:net';
import type { CliResult } from './cli';

/** `error: <name>: …` on stderr (the CLI's reportError format), the exit code, and a hint in the message. */
export function expectNamedError(r: CliResult, name: string, exitCode: number, hint: RegExp): void {
  const shown = `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
  if (r.code !== exitCode || !r.stderr.includes(`error: ${name}: `)) {
    throw new Error(`expected error: ${name} with exit ${exitCode}, got ${shown}`);
  }
  const line = r.stderr.slice(r.stderr.indexOf(`error: ${name}: `));
  expect(line).toMatch(hint);
}

/** A loopback TCP port nothing listens on: bound by the OS, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Peak resident set size (VmHWM) of a live process, in bytes. */
export function peakRssBytes(status: string): number {
  const kb = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
  if (!kb) throw new Error('no VmHWM line in /proc/<pid>/status');
  return Number(kb) * 1024;
}
