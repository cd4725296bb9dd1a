/**
 * Option parsers that turn bad values into named usage errors (exit 1) before anything runs. They throw
 * UsageError rather than commander's InvalidArgumentError, so the CLI reports them like every named error.
 */
import { UsageError } from '../errors';

const HELP = ' (run with --help for usage)';

/** A parser of `flag`'s numeric values: those `ok` accepts pass, others are a UsageError saying they must be `what`. */
function numberOption(flag: string, ok: (n: number) => boolean, what: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!ok(n)) throw new UsageError(`${flag} must be ${what}, got "${value}"${HELP}`);
    return n;
  };
}

export const positiveInt = (flag: string): ((value: string) => number) =>
  numberOption(flag, (n) => Number.isInteger(n) && n >= 1, 'a positive integer');

export const nonNegativeInt = (flag: string): ((value: string) => number) =>
  numberOption(flag, (n) => Number.isInteger(n) && n >= 0, 'an integer >= 0');

export const nonNegativeNumber = (flag: string): ((value: string) => number) =>
  numberOption(flag, (n) => Number.isFinite(n) && n >= 0, 'a number >= 0');

export function taskIdArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`migration id must be a positive integer, got "${value}"${HELP}`);
  return n;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
