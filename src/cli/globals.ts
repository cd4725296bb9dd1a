/** Options every command accepts (they go before or after the command name). */
import type { LogFormat, LogLevel } from '../logger';
import type { SecureConnectionOptions } from '../shared/temporal-connection';

export interface GlobalOptions {
  readonly dbConnect?: string;
  readonly json: boolean;
  readonly logLevel: LogLevel;
  readonly logFormat?: LogFormat;
  readonly temporalAddress: string;
  /** Whether the address came from the flag or TEMPORAL_ADDRESS (else embedded mode may be chosen). */
  readonly temporalAddressGiven: boolean;
  /** TLS, mTLS, API key of the given Temporal (not of the embedded one). */
  readonly temporalConnection: SecureConnectionOptions;
  /** How that connection is secured, for what commands print (`mTLS`, `plaintext` …). */
  readonly temporalSecurity: string;
  /** `--embedded`: run Temporal on this host whatever answers on the default address. */
  readonly embedded: boolean;
  /** Where embedded mode keeps its Temporal (SQLite file, server record, log). */
  readonly stateDir: string;
  /** The Temporal CLI embedded mode runs (else the tool cache's, else PATH's). */
  readonly temporalBin?: string;
  readonly namespace: string;
  /** Base URL of the Temporal UI, for the links commands print. */
  readonly temporalUi: string;
}
