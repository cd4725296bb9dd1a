import { hostname } from 'node:os';

/**
 * Named errors. Every class has a stable `name` (assert on it, not on `instanceof`: Temporal and jest cross
 * realms), context fields with secrets already removed, an optional `cause`, and a message that says what
 * to do next. Anchore's own names (`DriverConfigurationError`, `BadCredentialsError`, `BucketNotFoundError`,
 * `ObjectKeyNotFoundError`) are kept so operators recognise them.
 */

/** Process exit codes shared by every command (design.md "CLI surface"; 5 is anchore-manager's check failure). */
export const ExitCode = {
  ok: 0,
  usageOrConfig: 1,
  partial: 2,
  guardRefused: 3,
  cancelled: 4,
  objectStoreCheckFailed: 5,
  auditFoundProblems: 6,
} as const;

/** Base class of every error this project raises on purpose. */
export class ObjectStorageError extends Error {
  /** Exit code the CLI uses when this error ends a command. */
  readonly exitCode: number = ExitCode.usageOrConfig;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A command-line option or argument whose value the command cannot use (exit 1, like config errors). */
export class UsageError extends ObjectStorageError {}

/** A config file that cannot be read or parsed, or that is not an Anchore config. */
export class ConfigError extends ObjectStorageError {
  constructor(
    message: string,
    readonly file?: string,
    options?: { cause?: unknown },
  ) {
    super(file ? `${file}: ${message}` : message, options);
  }
}

/** Schema validation of a config section failed; `issues` lists every invalid path at once. */
export class ConfigValidationError extends ConfigError {
  constructor(
    readonly issues: readonly string[],
    file?: string,
  ) {
    super(`invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`, file);
  }
}

/**
 * Keys Anchore does not read in a store section. Anchore ignores them, so the config would mean something else
 * than it says (a misspelt `storage_driver` is the db driver); nothing is moved on such a guess.
 */
export class UnknownConfigKeyError extends ConfigValidationError {
  constructor(issues: readonly string[], file?: string) {
    super(issues, file);
    this.message +=
      '\nAnchore ignores keys it does not know, so it would not read this config as written: fix or remove ' +
      'the keys above.';
  }
}

/** A command that needs a worker to act (pause, resume, throttle) while none serves the catalog's task queue. */
export class NoWorkerError extends ObjectStorageError {}

/** A migration id that is not in this catalog's registry. */
export class MigrationNotFoundError extends UsageError {}

/** A control command for a migration whose workflow has ended. */
export class MigrationNotRunningError extends UsageError {}

/** A `--bucket` no document of the catalog is in: a typo would move nothing and still end "complete". */
export class UnknownBucketError extends UsageError {}

/** A `${ANCHORE...}` reference whose variable is set neither in the environment nor in ANCHORE_ENV_FILE. */
export class UnsetVariableError extends ConfigError {
  constructor(
    readonly variables: readonly string[],
    file?: string,
    /** The worker (`<host> pid <pid>`) whose environment lacks them, when a worker resolved the config. */
    worker?: string,
  ) {
    super(
      worker
        ? `variable overrides found in configuration file that are unset in the environment of worker ${worker}: ` +
            `${variables.join(', ')}. The CLI passes them as references, resolved where the worker runs: export ` +
            "them in that worker's environment (or list them in its ANCHORE_ENV_FILE) and restart it."
        : `variable overrides found in configuration file that are unset: ${variables.join(', ')}. ` +
            'Export them (or list them in the file named by ANCHORE_ENV_FILE) before running this command.',
      file,
    );
  }
}

/** A literal secret would enter a workflow input, and no sealing key is configured. */
export class SecretNotSealableError extends ConfigError {
  constructor(readonly fields: readonly string[]) {
    super(
      `literal secret in ${fields.join(', ')} cannot be passed to workers in clear text. Either write it as a ` +
        '${ANCHORE_...} reference that the workers resolve from their own environment, or set ' +
        'OBJECTSTORAGE_SECRET_KEY (32 bytes, base64 or hex: `openssl rand -base64 32`) for the CLI and every ' +
        'worker so the value is sealed with AES-256-GCM.',
    );
  }
}

/** A sealed value that cannot be opened: wrong or missing key, or tampered ciphertext. */
export class SecretUnsealError extends ConfigError {}

/**
 * A Temporal payload encrypted under a payload key this process does not hold (or none is set here): the CLI
 * and the workers must share OBJECTSTORAGE_PAYLOAD_KEY; retired keys stay readable in OBJECTSTORAGE_PAYLOAD_OLD_KEYS.
 */
export class UnknownPayloadKeyError extends ConfigError {
  constructor(
    message: string,
    /** The id (sha256 prefix) of the key the payload was encrypted with; never the key. */
    readonly keyId: string,
  ) {
    super(message);
  }
}

/** A Temporal payload marked encrypted that does not open with its key: malformed, altered or corrupted. */
export class PayloadDecryptionError extends ConfigError {}

/** Anchore's name: a driver config that cannot work (missing keys, bad values). */
export class DriverConfigurationError extends ObjectStorageError {
  constructor(
    message: string,
    readonly driver: string,
    options?: { cause?: unknown },
  ) {
    super(`[driver=${driver}] ${message}`, options);
  }
}

/** `storage_driver.name` is not one of Anchore's driver names. */
export class UnknownDriverError extends DriverConfigurationError {
  constructor(name: string, known: readonly string[]) {
    super(`Unknown driver name specified: "${name}". Valid names: ${known.join(', ')}.`, name);
  }
}

/** The backend refused the credentials. `credentials` is already redacted. */
export class BadCredentialsError extends ObjectStorageError {
  constructor(
    readonly credentials: Record<string, string>,
    readonly endpoint: string,
    options?: { cause?: unknown },
  ) {
    const shown = Object.entries(credentials)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    super(
      `the storage backend at ${endpoint} rejected the credentials (${shown}). ` +
        'Check the keys in the config (or the variables they reference) and their permissions on the bucket.',
      options,
    );
  }
}

/** The configured bucket/container does not exist and the config does not allow creating it. */
export class BucketNotFoundError extends ObjectStorageError {
  constructor(
    readonly bucket: string,
    readonly endpoint: string,
    options?: { cause?: unknown; kind?: 'bucket' | 'container' },
  ) {
    const kind = options?.kind ?? 'bucket'; // Swift calls it a container (config key create_container)
    super(
      `${kind} "${bucket}" does not exist at ${endpoint}. Create it, or set create_${kind}: true in the driver config.`,
      options,
    );
  }
}

/** A document is not where its URI says. */
export class ObjectKeyNotFoundError extends ObjectStorageError {
  constructor(
    readonly url: string,
    options?: { cause?: unknown },
  ) {
    super(`no object at ${url}`, options);
  }
}

/** Socket error codes that mean the endpoint could not be reached or the connection broke under the request. */
export const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

/** The backend endpoint cannot be reached at all (connection refused, DNS, timeout). */
export class EndpointUnreachableError extends ObjectStorageError {
  constructor(
    readonly endpoint: string,
    detail: string,
    options?: { cause?: unknown },
    /** What to check; a store's config by default. */
    hint = 'Check the url/region in the config and that the service is up.',
  ) {
    super(`cannot reach ${endpoint}: ${detail}. ${hint}`, options);
  }
}

/**
 * The backend refused one object (a key too long for it, a body too large, a KMS key or an ACL that denies that
 * object), while it serves others: that document fails alone, journaled with `serverCode`. Never retried.
 */
export class DocumentRejectedError extends ObjectStorageError {
  constructor(
    readonly uri: string,
    /** The server's own error code (KeyTooLongError, AccessDenied, KMS.DisabledException, ...). */
    readonly serverCode: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${uri} was refused by the backend: ${serverCode}: ${detail}`, options);
  }
}

/**
 * The backend refused to delete some objects while it deleted others (Object Lock retention or a legal hold, a
 * policy that denies their delete): their documents are migrated, and their sources are kept and reported.
 */
export class DeleteRefusedError extends ObjectStorageError {
  constructor(
    /** The refused URIs, each with the server's code and message. */
    readonly refused: ReadonlyMap<string, string>,
    options?: { cause?: unknown },
  ) {
    const [first] = refused;
    super(
      `the backend refused to delete ${refused.size} object(s), first ${first?.[0]}: ${first?.[1]}`,
      options,
    );
  }
}

/**
 * The backend asked to slow down or was briefly unable to serve (503 SlowDown, 500, an expired token during a
 * credential refresh, a clock skew): retried later, never a reason to fail a document.
 */
export class StorageBusyError extends ObjectStorageError {}

/**
 * localfs: the data directory is not there for this process. Only `check` and the self-check create it (as
 * Anchore does at start-up); a worker that does not see the shared volume must not write into its own disk.
 */
export class DataDirMissingError extends DriverConfigurationError {
  constructor(
    readonly dir: string,
    options?: { cause?: unknown },
  ) {
    super(
      `archive_data_dir ${dir} does not exist on this host (${hostname()}, pid ${process.pid}): mount the volume ` +
        'Anchore uses there (every worker must see the same directory), or run objectstorage check to create it',
      'localfs',
      options,
    );
  }
}

/**
 * localfs: this worker's archive_data_dir lacks the marker the migration's prepare wrote there, so it is another
 * directory than the one the other workers use (a local disk or an emptyDir where the shared volume should be).
 */
export class DataDirNotSharedError extends DriverConfigurationError {
  constructor(
    readonly dir: string,
    marker: string,
  ) {
    super(
      `archive_data_dir ${dir} on this host (${hostname()}, pid ${process.pid}) is not the directory the ` +
        `migration prepared (its marker ${marker} is missing): this worker does not see the volume Anchore and ` +
        'the other workers use. Mount it here, or stop this worker; nothing was written',
      'localfs',
    );
  }
}

/** localfs: the data directory holds entries Anchore would refuse to start with. */
export class UnknownFilesInDataDirError extends DriverConfigurationError {
  constructor(
    readonly dir: string,
    readonly entries: readonly string[],
  ) {
    super(
      `found unknown files in archive data volume ${dir}: ${entries.slice(0, 5).join(', ')}` +
        `${entries.length > 5 ? ` (+${entries.length - 5} more)` : ''}. Every top-level entry must be named by an ` +
        'md5 hex digest; point archive_data_dir at a directory used only by Anchore.',
      'localfs',
    );
  }
}

/** A content URL that does not have the shape its scheme requires. */
export class UriParseError extends ObjectStorageError {
  constructor(
    readonly url: string,
    reason: string,
  ) {
    super(`cannot parse content url ${url}: ${reason}`);
  }
}

/** Stored bytes do not match the md5 digest recorded in archive_metadata. */
export class DigestMismatchError extends ObjectStorageError {
  constructor(
    readonly url: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(
      `Detected digest mismatch at ${url}: archive_metadata says ${expected}, stored bytes hash to ${actual}`,
    );
  }
}

/** A body flagged as compressed is not valid zlib data. */
export class DecompressionError extends ObjectStorageError {
  constructor(
    readonly url: string,
    options?: { cause?: unknown },
  ) {
    super(`document at ${url} is flagged is_compressed but does not decompress as zlib`, options);
  }
}

/** The catalog database cannot be reached, refused us, or is not an Anchore catalog. */
export class CatalogError extends ObjectStorageError {}

/** The catalog's TLS settings cannot be used as given: an unknown sslmode, an unreadable CA or key file. */
export class CatalogTlsSettingsError extends CatalogError {}

/** The catalog's server certificate is not signed by a CA we trust (sslrootcert), or is not valid now. */
export class CatalogCertificateUntrustedError extends CatalogError {}

/** sslmode=verify-full: the catalog's certificate does not name the host we connected to. */
export class CatalogHostnameMismatchError extends CatalogError {}

/** sslmode asks for TLS and the catalog's server does not offer it. */
export class CatalogServerWithoutTlsError extends CatalogError {}

/** The catalog's server accepts only encrypted connections and sslmode=disable (or no sslmode) was given. */
export class CatalogTlsRequiredError extends CatalogError {}

/** RDS IAM authentication: no token could be made, or the server refused it. */
export class CatalogIamAuthError extends CatalogError {}

/** RDS IAM authentication without TLS: the token would cross the network in clear text, so it is refused. */
export class IamAuthNeedsTlsError extends CatalogTlsSettingsError {}

/** A connection pooler (PgBouncer) in front of the catalog refuses the session settings our sessions start with. */
export class CatalogPoolerSettingsError extends CatalogError {}

/** The catalog role lacks privileges a command needs; the message lists them with the GRANTs that give them. */
export class CatalogPrivilegeError extends CatalogError {}

/** `check`: the test document did not round-trip. */
export class ObjectStoreCheckFailedError extends ObjectStorageError {
  override readonly exitCode: number = ExitCode.objectStoreCheckFailed;
}

/** Name of an error, also across realms and for non-Error throwables. */
export function errorName(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}

/** True for the error a driver throws when the backend refuses one object while it serves others. */
export function isDocumentRejected(err: unknown): boolean {
  return errorName(err) === 'DocumentRejectedError';
}

/** A safety guard refused to start a migration (same location, another migration running, Anchore online). */
export class GuardRefusedError extends ObjectStorageError {
  override readonly exitCode: number = ExitCode.guardRefused;
}

/** `audit`: the store has missing, corrupt or orphaned objects, or rows pointing elsewhere (see the report). */
/** `reverse ID` of a migration whose journal `prune` removed: which documents it moved is no longer known. */
export class JournalPrunedError extends GuardRefusedError {}

export class AuditFoundProblemsError extends ObjectStorageError {
  override readonly exitCode: number = ExitCode.auditFoundProblems;
}

/** Another attempt holds the page's fence: retried (by Temporal) until that attempt ends or its lease expires. */
export class PageBusyError extends ObjectStorageError {}

/** This attempt lost its page's fence (it stalled past the lease): it stops before its next write. */
export class FenceLostError extends ObjectStorageError {}

/** A worker's copy thread died (a crash, out of memory): the chunks it had go back to their pages, which retry. */
export class CopyThreadExitedError extends ObjectStorageError {}

/** anchore-manager's own migration holds its lock on the catalog: our pages wait (retryable). */
export class AnchoreMigrationRunningError extends ObjectStorageError {}

/** Embedded mode: no Temporal CLI binary (it runs the dev server) was found where it was looked for. */
export class TemporalBinaryNotFoundError extends ObjectStorageError {}

/** Embedded mode: the Temporal dev server this command started exited or did not answer in time. */
export class EmbeddedTemporalError extends ObjectStorageError {}

/** A Temporal connection setting that cannot be used: a profile that is not there, a certificate file missing. */
export class TemporalConfigError extends ConfigError {}

/** The TLS handshake with Temporal failed: an untrusted server certificate, a name mismatch, a refused client one. */
export class TemporalTlsError extends ObjectStorageError {}

/** Our tables in the catalog were written by a newer release than this one. */
export class CatalogSchemaTooNewError extends ObjectStorageError {}

/** `drain` waited its whole --timeout and pages were still in flight. */
export class DrainTimeoutError extends ObjectStorageError {}

/** The worker's catalog is not the one the migration was planned against. */
export class CatalogMismatchError extends ObjectStorageError {}

/** The binary COPY stream is not what PostgreSQL documents (a server or protocol error). */
export class CopyFormatError extends ObjectStorageError {}

/** The document's URL is served by another driver than this manager's (Anchore raises KeyError here). */
export class ForeignContentUrlError extends ObjectStorageError {}

/** The backend answered but did not give back what was written. */
export class SelfCheckFailedError extends ObjectStorageError {}

/** Swift answered with a status the driver does not expect for this request. Never holds the token. */
export class SwiftRequestError extends ObjectStorageError {
  readonly status: number;

  constructor(what: string, where: string, res: { readonly status: number; readonly body: Buffer }) {
    const text = res.body.toString('utf8').replace(/\s+/g, ' ').trim().slice(0, 200);
    super(`Swift ${what} at ${where} answered HTTP ${res.status}${text ? `: ${text}` : ''}`);
    this.status = res.status;
  }
}

/** The catalog already holds documents: the demo only writes into an empty one and never overwrites. */
export class DemoCatalogNotEmptyError extends ObjectStorageError {
  constructor(
    readonly database: string,
    readonly rows: number,
  ) {
    super(
      `the catalog ${database} already has ${rows} archive_metadata row(s); demo-data writes only into a catalog ` +
        'without documents, so it never overwrites or deletes anything. Create a fresh database ' +
        '(e.g. `createdb anchore_demo`) and run demo-data with --init-schema against it.',
    );
  }
}

/** Documents read back through the config differ from, or miss, what the seed generates. */
export class DemoVerifyFailedError extends ObjectStorageError {
  override readonly exitCode: number = ExitCode.objectStoreCheckFailed;
}

/** `err` as an Error (a thrown non-Error becomes one with its text), for code that keeps or returns it. */
export const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));
