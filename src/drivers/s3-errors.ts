/** Maps AWS SDK failures to the named errors operators act on (anchore-storage.md §2.2, §11.6). */
import {
  BadCredentialsError,
  BucketNotFoundError,
  DocumentRejectedError,
  DriverConfigurationError,
  EndpointUnreachableError,
  ObjectKeyNotFoundError,
  ObjectStorageError,
  NETWORK_ERROR_CODES,
  StorageBusyError,
} from '../errors';

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

// VersityGW answers an unknown access key with 404 XAdminUserNotFound instead of AWS's 403. AccessDenied is not
// here: on one object it is that object's policy (a KMS key, an ACL), and only a bucket-level call tells more.
const CREDENTIAL_ERRORS = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidToken',
  'XAdminUserNotFound',
]);

/**
 * Answers that pass: the server throttles, is briefly down, or the request met a credential refresh or a clock
 * step. The SDK has retried them already; the page is retried later, and no document fails for them.
 */
export const BUSY_ERROR_CODES: ReadonlySet<string> = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'ServiceUnavailable',
  'InternalError',
  'RequestTimeout',
  'RequestTimeTooSkewed',
  'ExpiredToken',
  'TokenRefreshRequired',
  'TooManyRequests',
  'OperationAborted',
]);

/** Context needed to build a useful error. */
export interface S3ErrorContext {
  readonly endpoint: string;
  readonly bucket: string;
  /** The object the call was about: its 400/403 are that object's (DocumentRejectedError), not the bucket's. */
  readonly url?: string;
  /** Already redacted. */
  readonly credentials: Record<string, string>;
}

/** HTTP status of an SDK error, if the server answered. */
export function httpStatus(err: unknown): number | undefined {
  return (err as SdkError).$metadata?.httpStatusCode;
}

/** Turns an SDK error into a named error; errors that are already ours pass through. */
export function classifyS3Error(err: unknown, ctx: S3ErrorContext): Error {
  if (err instanceof ObjectStorageError) return err;
  const e = err as SdkError;
  // Under jest (another realm) the SDK wraps Node's socket errors, so look at the cause and the message too.
  const code =
    e.code ?? (e as { cause?: SdkError }).cause?.code ?? /\b(E[A-Z_]+)\b/.exec(e.message ?? '')?.[1];
  if (e.name === 'AbortError') return err as Error;
  if (code === 'EPROTO' || /wrong version number/.test(e.message ?? '')) {
    return new DriverConfigurationError(
      `${ctx.endpoint} does not answer TLS (EPROTO, wrong version number): the url says https:// but the server ` +
        'speaks plain HTTP there; write http:// in the config (or give the server a certificate)',
      's3',
      { cause: err },
    );
  }
  if (code && NETWORK_ERROR_CODES.has(code)) {
    return new EndpointUnreachableError(ctx.endpoint, code, { cause: err });
  }
  if (e.name === 'TimeoutError' || e.name === 'RequestTimeout') {
    return new EndpointUnreachableError(ctx.endpoint, 'request timed out', { cause: err });
  }
  const status = httpStatus(err);
  // Role credentials (iamauto) are refreshed by the SDK; static keys never are, so waiting would never end.
  const staticKeysExpired = e.name === 'ExpiredToken' && ctx.credentials['iamauto'] === undefined;
  if ((e.name && CREDENTIAL_ERRORS.has(e.name)) || staticKeysExpired) {
    return new BadCredentialsError(ctx.credentials, ctx.endpoint, { cause: err });
  }
  // 501 NotImplemented is what the server cannot do at all: not a pause to wait out.
  const busyStatus = status === 429 || (status !== undefined && status >= 500 && status !== 501);
  if ((e.name && BUSY_ERROR_CODES.has(e.name)) || busyStatus) {
    return new StorageBusyError(
      `S3 at ${ctx.endpoint} is busy or briefly unavailable (${e.name ?? status}); retried later`,
      { cause: err },
    );
  }
  if (e.name === 'NoSuchBucket' || (status === 404 && e.name === 'NotFound' && !ctx.url))
    return new BucketNotFoundError(ctx.bucket, ctx.endpoint, { cause: err });
  if (e.name === 'NoSuchKey' || (status === 404 && ctx.url)) {
    return new ObjectKeyNotFoundError(ctx.url ?? ctx.bucket, { cause: err });
  }
  if (e.name === 'InvalidBucketName') {
    return new DriverConfigurationError(
      `bucket name "${ctx.bucket}" is not valid for S3 at ${ctx.endpoint}`,
      's3',
      {
        cause: err,
      },
    );
  }
  // The body did not hash to its Content-MD5 on arrival: a transfer error, worth a retry.
  if (e.name === 'BadDigest') {
    return new ObjectStorageError(`S3 at ${ctx.endpoint} received other bytes than were sent (BadDigest)`, {
      cause: err,
    });
  }
  // One object refused (KeyTooLongError, EntityTooLarge, AccessDenied by its KMS key or ACL, ...): that document.
  if (ctx.url && status !== undefined && status >= 400 && status < 500 && status !== 404) {
    return new DocumentRejectedError(ctx.url, e.name ?? `HTTP ${status}`, e.message ?? '', { cause: err });
  }
  if (status === 400 || status === 401 || status === 403) {
    return new BadCredentialsError(ctx.credentials, ctx.endpoint, { cause: err });
  }
  return err instanceof Error ? err : new Error(String(err));
}
