/**
 * The one logger: pino on stderr, JSON lines for machines (stderr not a terminal, or `--log-format json`) and
 * readable lines for people (a terminal, or `--log-format pretty`). Secrets are kept out twice: fields with
 * secret names are censored by pino's `redact`, and every value registered as secret (config keys, DB
 * passwords) is scrubbed from the message, every field and the final line, whatever code logs it.
 */
import pino from 'pino';
import { REDACTED, scrubSecrets } from './config/redact';
import { toLoggable } from './logging/loggable';
import { formatPretty } from './logging/pretty';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** `auto`: JSON unless stderr is a terminal. */
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** A minimal structured logger. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** @default the CLI's `--log-format` ({@link setDefaultLogFormat}), else `auto` */
  readonly format?: LogFormat;
}

/** Field names whose values are secrets wherever they appear (pino `redact` paths, nested up to 6 levels). */
export const SECRET_FIELD_NAMES = [
  'access_key',
  'accessKey',
  'accessKeyId',
  'secret_key',
  'secretKey',
  'secretAccessKey',
  'sessionToken',
  'session_token',
  'password',
  'passwd',
  'os_password',
  'key',
  'auth',
  'token',
  'authorization',
  'cookie',
  'credentials',
] as const;
const REDACT_DEPTH = 6;
const REDACT_PATHS = SECRET_FIELD_NAMES.flatMap((name) =>
  Array.from({ length: REDACT_DEPTH }, (_, depth) => [...Array<string>(depth).fill('*'), name].join('.')),
);

let defaultFormat: LogFormat = 'auto';

/** Sets the format of loggers created without one: the CLI's global `--log-format`. */
export function setDefaultLogFormat(format: LogFormat): void {
  defaultFormat = format;
}

/** Creates a logger writing to `write` (stderr by default) at `level` and above. */
export function createLogger(
  level: LogLevel = 'info',
  write: (line: string) => void = (line) => process.stderr.write(line),
  options: LoggerOptions = {},
): Logger {
  const pretty = resolveFormat(options.format ?? defaultFormat) === 'pretty';
  const destination = {
    // The last line of defence: anything pino added or escaped is scrubbed in its final form.
    write: (line: string) =>
      write(scrubSecrets(pretty ? formatPretty(JSON.parse(line) as Record<string, unknown>) : line)),
  };
  const base = pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      // toLoggable already serialised errors; pino's own `err` serializer would fold causes into the message.
      serializers: { err: (value: unknown) => value },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  const at =
    (method: Exclude<LogLevel, 'silent'>) =>
    (msg: string, fields?: Record<string, unknown>): void => {
      if (!base.isLevelEnabled(method)) return;
      // Scrubbed before serialising too: JSON escaping would hide a secret holding `"` or `\` from the line scrub.
      base[method](toLoggable(fields ?? {}) as object, scrubSecrets(msg));
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

function resolveFormat(format: LogFormat): Exclude<LogFormat, 'auto'> {
  if (format !== 'auto') return format;
  return process.stderr.isTTY ? 'pretty' : 'json';
}
