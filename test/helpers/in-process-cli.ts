/** Runs one objectstorage command in the test's own process (not the built CLI), capturing what it prints. */
import { Command } from 'commander';
import type { GlobalOptions } from '../../src/cli/globals';
import { anchoreConfig, writeTempConfig } from './cli';

/** Global options of a command run in process against `dbConnect`, with no Temporal to reach. */
export const offlineGlobals = (dbConnect: string, json: boolean): GlobalOptions => ({
  dbConnect,
  json,
  logLevel: 'warn',
  temporalAddress: '127.0.0.1:1',
  temporalAddressGiven: false,
  temporalConnection: {},
  temporalSecurity: 'plaintext',
  embedded: false,
  stateDir: '/nonexistent',
  namespace: 'default',
  temporalUi: 'http://127.0.0.1:1',
});

/** A config.yaml whose object store is `driver` with `config` (YAML flow), compression off. */
export const storeConfigFile = (driver: string, config: string): string =>
  writeTempConfig(
    anchoreConfig(
      `object_store:\n  compression: {enabled: false, min_size_kbytes: 100}\n  storage_driver:\n    name: ${driver}\n    config: ${config}`,
    ),
  );

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
