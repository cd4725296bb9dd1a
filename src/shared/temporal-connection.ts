/**
 * Where and how the CLI and the workers reach Temporal, resolved like every Temporal tool does: the `temporal`
 * CLI's profile file (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE), then the standard TEMPORAL_* environment
 * variables, then our flags. TLS, mTLS and Temporal Cloud API keys; the API key never leaves this object's
 * connection options (it is not printed, logged or passed to workflows).
 */
import { isIP } from 'node:net';
import { checkServerIdentity, connect as tlsConnect } from 'node:tls';
import { loadClientConfigProfile, toClientOptions } from '@temporalio/envconfig';
import type { ClientConfigProfile, ClientConfigTLS } from '@temporalio/envconfig';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import { TemporalConfigError, TemporalTlsError } from '../errors';

/** The frontend a command uses when nothing names one (the Temporal CLI's default). */
export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';

/** Temporal connection flags; each overrides its TEMPORAL_* variable and the profile file. */
export interface TemporalFlags {
  readonly address?: string;
  readonly namespace?: string;
  readonly profile?: string;
  /** `--temporal-tls` / `--no-temporal-tls`. */
  readonly tls?: boolean;
  readonly tlsCaFile?: string;
  readonly tlsServerName?: string;
  readonly tlsCertFile?: string;
  readonly tlsKeyFile?: string;
}

/** What a client or worker connection needs beyond the address. */
export interface SecureConnectionOptions {
  readonly tls?: TLSConfig | boolean;
  readonly apiKey?: string;
  readonly metadata?: Record<string, string>;
}

/** A resolved Temporal: its address and namespace, and how to connect to it. */
export interface TemporalTarget {
  readonly address: string;
  /** Whether a flag, variable or profile named the address (else embedded mode may be chosen). */
  readonly addressGiven: boolean;
  readonly namespace: string;
  readonly connection: SecureConnectionOptions;
  /** How it is secured, for the lines commands print: `TLS`, `mTLS`, `API key`, `TLS, API key`, `plaintext`. */
  readonly security: string;
}

/**
 * Resolves the Temporal target of `flags` over `env` (and the profile file it names). Certificate and key files
 * are read here, so a missing one is a {@link TemporalConfigError} naming the file and where it was set.
 */
export function resolveTemporalTarget(flags: TemporalFlags, env: NodeJS.ProcessEnv): TemporalTarget {
  const profile = loadProfile(flags.profile, env);
  const tls = withTlsFlags(profile.tls, flags);
  const merged: ClientConfigProfile = {
    ...profile,
    address: flags.address ?? profile.address,
    namespace: flags.namespace ?? profile.namespace,
    tls,
  };
  if (tls?.clientCert && !tls.clientKey)
    throw new TemporalConfigError(
      'a Temporal client certificate was given without its key: set --temporal-tls-key (TEMPORAL_TLS_CLIENT_KEY_PATH)',
    );
  if (tls?.clientKey && !tls.clientCert)
    throw new TemporalConfigError(
      'a Temporal client key was given without its certificate: set --temporal-tls-cert (TEMPORAL_TLS_CLIENT_CERT_PATH)',
    );
  const options = readCertificates(merged).connectionOptions;
  const connection: SecureConnectionOptions = {
    ...(options.tls !== undefined && options.tls !== null ? { tls: options.tls } : {}),
    ...(merged.apiKey ? { apiKey: merged.apiKey } : {}),
    ...(merged.grpcMeta ? { metadata: merged.grpcMeta } : {}),
  };
  return {
    address: merged.address ?? DEFAULT_TEMPORAL_ADDRESS,
    addressGiven: merged.address !== undefined,
    namespace: merged.namespace ?? 'default',
    connection,
    security: describeSecurity(connection),
  };
}

function loadProfile(name: string | undefined, env: NodeJS.ProcessEnv): ClientConfigProfile {
  try {
    return loadClientConfigProfile({ profile: name, overrideEnvVars: env as Record<string, string> });
  } catch (err) {
    const file =
      env.TEMPORAL_CONFIG_FILE ?? 'the temporal CLI config file (~/.config/temporalio/temporal.toml)';
    throw new TemporalConfigError(
      `cannot use Temporal profile ${name ?? env.TEMPORAL_PROFILE ?? 'default'} from ${file}: ` +
        `${(err as Error).message}. Check --temporal-profile (TEMPORAL_PROFILE) and TEMPORAL_CONFIG_FILE.`,
      undefined,
      { cause: err },
    );
  }
}

/** The profile's TLS settings with our flags on top; a CA, client certificate or server name implies TLS. */
function withTlsFlags(tls: ClientConfigTLS | undefined, f: TemporalFlags): ClientConfigTLS | undefined {
  const given =
    f.tlsCaFile !== undefined ||
    f.tlsCertFile !== undefined ||
    f.tlsKeyFile !== undefined ||
    f.tlsServerName !== undefined;
  if (f.tls === undefined && !given) return tls;
  return {
    ...tls,
    ...(f.tls !== undefined ? { disabled: !f.tls } : given ? { disabled: false } : {}),
    ...(f.tlsCaFile !== undefined ? { serverCACert: { path: f.tlsCaFile } } : {}),
    ...(f.tlsCertFile !== undefined ? { clientCert: { path: f.tlsCertFile } } : {}),
    ...(f.tlsKeyFile !== undefined ? { clientKey: { path: f.tlsKeyFile } } : {}),
    ...(f.tlsServerName !== undefined ? { serverName: f.tlsServerName } : {}),
  };
}

/** The SDK's connection options, reading certificate files; a file that cannot be read is named. */
function readCertificates(profile: ClientConfigProfile): ReturnType<typeof toClientOptions> {
  try {
    return toClientOptions(profile);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { path?: string };
    throw new TemporalConfigError(
      `cannot read a Temporal TLS file${e.path ? ` ${e.path}` : ''}: ${e.code ?? e.message}. Check ` +
        '--temporal-tls-ca/-cert/-key (TEMPORAL_TLS_SERVER_CA_CERT_PATH, TEMPORAL_TLS_CLIENT_CERT_PATH, ' +
        'TEMPORAL_TLS_CLIENT_KEY_PATH) and that this process may read the file.',
      undefined,
      { cause: err },
    );
  }
}

/** `mTLS`, `TLS, API key`, `plaintext` …: how a connection is secured, for what is printed and logged. */
export function describeSecurity(c: SecureConnectionOptions): string {
  const parts: string[] = [];
  if (c.tls) parts.push(typeof c.tls === 'object' && c.tls.clientCertPair ? 'mTLS' : 'TLS');
  if (c.apiKey) parts.push('API key');
  return parts.length > 0 ? parts.join(', ') : 'plaintext';
}

/** TLS failures as the SDKs word them (grpc-js for clients, the Rust core for workers). */
const TLS_FAILURE =
  /certificate|self[- ]signed|unknown ?ca|handshake|tls|ssl|alert|InvalidCertificate|UnknownIssuer|NotValidForName|wrong version number/i;

/**
 * A connection failure of a secured target as a {@link TemporalTlsError} saying what to check, or undefined when
 * it is not a TLS failure (an unreachable server is reported as such by the caller).
 */
export function temporalTlsError(
  target: Pick<TemporalTarget, 'address' | 'connection' | 'security'>,
  err: unknown,
): TemporalTlsError | undefined {
  const message = typeof err === 'string' ? err : ((err as Error)?.message ?? String(err));
  if (!target.connection.tls || !TLS_FAILURE.test(message)) return undefined;
  return new TemporalTlsError(
    `TLS with Temporal at ${target.address} failed (${target.security}): ${message}. Check the server CA ` +
      '(--temporal-tls-ca / TEMPORAL_TLS_SERVER_CA_CERT_PATH), the server name it must present ' +
      '(--temporal-tls-server-name / TEMPORAL_TLS_SERVER_NAME) and, where the server requires one, the client ' +
      'certificate and key (--temporal-tls-cert/-key).',
    { cause: err },
  );
}

/** How long the TLS probe waits for a handshake, and after it for a refusal of our client certificate. */
const PROBE_TIMEOUT_MS = 5_000;
const REFUSAL_WAIT_MS = 500;

/**
 * Why a TLS handshake with `address` fails, found by doing one with the same settings: the gRPC client only says
 * it could not connect before its deadline. Undefined when the handshake succeeds (the cause is elsewhere).
 */
export function tlsHandshakeProblem(
  address: string,
  c: SecureConnectionOptions,
): Promise<string | undefined> {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i);
  const t = typeof c.tls === 'object' ? c.tls : {};
  const servername = t.serverNameOverride ?? (isIP(host.replace(/^\[|\]$/g, '')) ? undefined : host);
  return new Promise((resolve) => {
    const socket = tlsConnect({
      host,
      port: Number(address.slice(i + 1)),
      ALPNProtocols: ['h2'],
      ...(servername ? { servername } : {}),
      ...(t.serverRootCACertificate ? { ca: Buffer.from(t.serverRootCACertificate) } : {}),
      ...(t.clientCertPair
        ? { cert: Buffer.from(t.clientCertPair.crt), key: Buffer.from(t.clientCertPair.key) }
        : {}),
      // Checked below against the name gRPC checks (the override, else the host).
      checkServerIdentity: () => undefined,
    });
    const done = (problem: string | undefined): void => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(undefined));
    socket.once('error', (err) => done(err.message));
    socket.once('secureConnect', () => {
      const name = t.serverNameOverride ?? host;
      const mismatch = checkServerIdentity(name, socket.getPeerCertificate());
      if (mismatch) return done(mismatch.message);
      // A server that requires a client certificate refuses it after a TLS 1.3 handshake: wait for that.
      setTimeout(() => done(undefined), REFUSAL_WAIT_MS);
    });
  });
}
