/** Everything the CLI prints goes through here: text or `--json`, always scrubbed of registered secrets. */
import { scrubSecrets } from '../config/redact';
import { ExitCode } from '../errors';

/** Where a command writes its result. */
export interface Output {
  readonly json: boolean;
  /** A human line on stdout (ignored in --json mode). */
  line(text: string): void;
  /** The machine-readable result on stdout (only in --json mode). */
  result(value: unknown): void;
  /** A warning on stderr. */
  warn(text: string): void;
  /** A note on stderr (what the command waits for, which Temporal it uses), also with --json. */
  note(text: string): void;
  /** One JSON event per line on stdout (only in --json mode), for following a migration. */
  event(value: unknown): void;
}

export interface OutputStreams {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processStreams: OutputStreams = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

export function createOutput(json: boolean, streams: OutputStreams = processStreams): Output {
  return {
    json,
    line: (text) => {
      if (!json) streams.stdout(`${scrubSecrets(text)}\n`);
    },
    result: (value) => {
      if (json) streams.stdout(`${scrubSecrets(JSON.stringify(value, null, 2))}\n`);
    },
    warn: (text) => streams.stderr(`${scrubSecrets(`warning: ${text}`)}\n`),
    note: (text) => streams.stderr(`${scrubSecrets(text)}\n`),
    event: (value) => {
      if (json) streams.stdout(`${scrubSecrets(JSON.stringify(value))}\n`);
    },
  };
}

/** Prints a failure as `error: <Name>: <message>` (or JSON) and returns the exit code it maps to. */
export function reportError(err: unknown, json: boolean, streams: OutputStreams = processStreams): number {
  const e = err instanceof Error ? err : new Error(String(err));
  const { exitCode } = e as { exitCode?: unknown };
  const code = typeof exitCode === 'number' ? exitCode : ExitCode.usageOrConfig;
  if (json) {
    streams.stdout(
      `${scrubSecrets(JSON.stringify({ error: { name: e.name, message: e.message, exitCode: code } }, null, 2))}\n`,
    );
  } else {
    streams.stderr(`${scrubSecrets(`error: ${e.name}: ${e.message}`)}\n`);
  }
  return code;
}
