/**
 * Option parsers that turn bad values into named usage errors (exit 1) before anything runs. They throw
 * UsageError rather than commander's InvalidArgumentError, so the CLI reports them like every named error.
 */
import { UsageError } from '../errors';

const HELP = ' (run with --help for usage)';

export function positiveInt(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new UsageError(`${flag} must be a positive integer, got "${value}"${HELP}`);
    return n;
  };
}

export function nonNegativeInt(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0)
      throw new UsageError(`${flag} must be an integer >= 0, got "${value}"${HELP}`);
    return n;
  };
}

export function nonNegativeNumber(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0)
      throw new UsageError(`${flag} must be a number >= 0, got "${value}"${HELP}`);
    return n;
  };
}

export function taskIdArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`migration id must be a positive integer, got "${value}"${HELP}`);
  return n;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
