/**
 * The one logger: leveled lines on stderr, every line passed through the secret scrubber so a value that was
 * registered as secret (config keys, DB passwords) can never be printed, whatever code logs it.
 */
import { scrubSecrets } from './config/redact';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A minimal structured logger. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** Creates a logger writing to `write` (stderr by default) at `level` and above. */
export function createLogger(
  level: LogLevel = 'info',
  write: (line: string) => void = (line) => process.stderr.write(line),
): Logger {
  const min = LOG_LEVELS.indexOf(level);
  const log =
    (at: Exclude<LogLevel, 'silent'>) =>
    (msg: string, fields?: Record<string, unknown>): void => {
      if (LOG_LEVELS.indexOf(at) < min) return;
      const extra = fields ? ` ${JSON.stringify(fields)}` : '';
      write(`${scrubSecrets(`${new Date().toISOString()} ${at.toUpperCase()} ${msg}${extra}`)}\n`);
    };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}
