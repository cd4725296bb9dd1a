/** Runs one objectstorage command in the test's own process (not the built CLI), capturing what it prints. */
import { Command } from 'commander';
import type { GlobalOptions } from '../../src/cli/globals';

/** How a command module adds itself to the program (registerPlan, registerMigrate, …). */
export type RegisterCommand = (program: Command, globals: () => GlobalOptions) => void;

export async function runInProcess(
  register: RegisterCommand,
  args: string[],
  globals: GlobalOptions,
): Promise<{ stdout: string; stderr: string; exitCode: unknown }> {
  const program = new Command().exitOverride();
  register(program, () => globals);
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((t) => ((stdout += String(t)), true));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((t) => ((stderr += String(t)), true));
  const exitCodeBefore = process.exitCode;
  try {
    await program.parseAsync(args, { from: 'user' });
    return { stdout, stderr, exitCode: process.exitCode };
  } finally {
    process.exitCode = exitCodeBefore;
    out.mockRestore();
    err.mockRestore();
  }
}
