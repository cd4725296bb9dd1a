/**
 * Named errors for the ways a TLS or IAM catalog connection fails, each saying what to change. The codes are
 * Node's (OpenSSL's) for certificates, pg's message for a server without TLS, and PostgreSQL's SQLSTATE for
 * pg_hba.conf and authentication refusals.
 */
import {
  CatalogCertificateUntrustedError,
  CatalogError,
  CatalogHostnameMismatchError,
  CatalogIamAuthError,
  CatalogPoolerSettingsError,
  CatalogServerWithoutTlsError,
  CatalogTlsRequiredError,
} from '../errors';
import type { CatalogConnectionSettings } from './connection-settings';

/** OpenSSL verification failures that mean "this certificate is not one we trust (now)". */
const UNTRUSTED_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'INVALID_CA',
  'INVALID_PURPOSE',
]);

const HINT_TLS_SETTINGS = '?sslmode=… in the URL, or ANCHORE_DB_SSL=true and ANCHORE_DB_SSL_MODE';

/**
 * The named error for a TLS or IAM failure of a catalog connection, or undefined when `err` is none of those.
 * `settings` is undefined when the URL's settings do not parse (then only the server's answers are mapped).
 */
export function tlsConnectError(
  err: unknown,
  settings: CatalogConnectionSettings | undefined,
  where: string,
): CatalogError | undefined {
  if (err instanceof CatalogError) return err;
  const e = err as { code?: string; message?: string };
  const message = e.message ?? String(err);
  const mode = settings?.sslmode ?? 'disable';
  if (e.code && UNTRUSTED_CODES.has(e.code)) {
    const trusted = settings?.sslrootcert
      ? `the CA file ${settings.sslrootcert}`
      : "Node's trusted CAs (no sslrootcert given)";
    return new CatalogCertificateUntrustedError(
      `the catalog database at ${where} presented a certificate that ${trusted} do not vouch for ` +
        `(${e.code}: ${message}). Point sslrootcert (or ANCHORE_DB_SSL_ROOT_CERT) at the CA that signed the ` +
        "server's certificate (for RDS: the region's bundle from https://truststore.pki.rds.amazonaws.com), " +
        'or use sslmode=require to encrypt without checking the server',
      { cause: err },
    );
  }
  if (e.code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new CatalogHostnameMismatchError(
      `the certificate of the catalog database at ${where} is not issued for the host this tool connects to ` +
        `(${message}). Connect with a host name the certificate names, or use sslmode=verify-ca to check ` +
        'only that a trusted CA signed it',
      { cause: err },
    );
  }
  if (/does not support SSL connections/.test(message)) {
    return new CatalogServerWithoutTlsError(
      `the catalog database at ${where} does not offer TLS, and sslmode=${mode} requires it. Enable ssl on the ` +
        'server, or connect with sslmode=disable where unencrypted connections are acceptable',
      { cause: err },
    );
  }
  if ((e.code === '28000' || e.code === '28P01') && mode === 'disable' && /no encryption/.test(message)) {
    return new CatalogTlsRequiredError(
      `the catalog database at ${where} accepts only encrypted connections (${message}). Connect with TLS: ` +
        `sslmode=require, verify-ca or verify-full (${HINT_TLS_SETTINGS})`,
      { cause: err },
    );
  }
  if ((e.code === '28000' || e.code === '28P01') && settings?.iamAuth) {
    return new CatalogIamAuthError(
      `the catalog database at ${where} refused the IAM token (${message}). The database user needs ` +
        '`GRANT rds_iam TO <user>`, and the AWS identity an IAM policy allowing rds-db:connect on ' +
        'arn:aws:rds-db:<region>:<account>:dbuser:<DbiResourceId>/<user>; the token must be signed for the host ' +
        'and port this tool connects to (for RDS Proxy: the proxy endpoint)',
      { cause: err },
    );
  }
  return undefined;
}

/**
 * PgBouncer refuses startup parameters it cannot keep per client in transaction pooling: our worker sessions'
 * time limits, `audit`'s read-only default (docs/managed-postgresql.md, "PgBouncer").
 */
export function poolerConnectError(err: unknown, where: string): CatalogError | undefined {
  const message = (err as { message?: string }).message ?? '';
  const param = /unsupported startup parameter(?: in options)?: ([\w.]+)/.exec(message)?.[1];
  if (!param) return undefined;
  return new CatalogPoolerSettingsError(
    `the connection pooler at ${where} refuses the session setting ${param} (${message}). In pgbouncer.ini add ` +
      'statement_timeout, lock_timeout, idle_in_transaction_session_timeout and options to ' +
      'ignore_startup_parameters, and set the same limits on the role server-side (ALTER ROLE … SET ' +
      "statement_timeout = '600s', lock_timeout = '60s', idle_in_transaction_session_timeout = '120s'), " +
      'or connect this tool to PostgreSQL directly',
    { cause: err },
  );
}
