/** Runs the built CLI (`bin/objectstorage` → bin/objectstorage.js → lib/) as a real process, the way operators run it. */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = join(__dirname, '../../bin/objectstorage');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `objectstorage ...args` with a clean environment plus `env`. Its stdin gets `input` and is closed, as a
 * script's or CI's is: a question nobody can answer must not hold the command.
 */
export function runCli(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
  timeoutMs = 60_000,
  input = '',
): Promise<CliResult> {
  const base: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' };
  return new Promise((resolve) => {
    const child = execFile(
      BIN,
      args,
      { env: { ...base, ...env }, timeout: timeoutMs },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    child.stdin?.end(input);
  });
}

/** Writes `text` to a fresh temp file and returns its path. */
export function writeTempConfig(text: string, name = 'config.yaml'): string {
  const dir = mkdtempSync(join(tmpdir(), 'aos-cfg-'));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** An Anchore config.yaml with `section` under services.catalog. */
export function anchoreConfig(section: string): string {
  return `services:\n  catalog:\n${section.replace(/^/gm, '    ')}\n`;
}
