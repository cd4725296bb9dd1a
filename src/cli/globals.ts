/** Options every command accepts (they go before or after the command name). */
import type { LogFormat, LogLevel } from '../logger';

export interface GlobalOptions {
  readonly dbConnect?: string;
  readonly json: boolean;
  readonly logLevel: LogLevel;
  readonly logFormat?: LogFormat;
  readonly temporalAddress: string;
  readonly namespace: string;
  /** Base URL of the Temporal UI, for the links commands print. */
  readonly temporalUi: string;
}
