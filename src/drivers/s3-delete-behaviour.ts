/**
 * What a DeleteObjects does in an S3 bucket (issue 22, item 7): with versioning on it only adds delete markers
 * (the old versions stay stored and billable), and with Object Lock objects under retention cannot be deleted.
 * GetBucketVersioning and GetObjectLockConfiguration are bucket-level calls an IAM policy may not grant: a refusal,
 * a server without them or no answer makes that part `unknown` with the reason, never an error.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { CallOptions, DeleteBehaviour } from './types';

/** A bucket-level call that has not answered by then is given up: `plan` and `prepare` must not hang on it. */
export const DESCRIBE_TIMEOUT_MS = 10_000;

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  cause?: { code?: string };
  $metadata?: { httpStatusCode?: number };
}

/** Why `operation` (needing IAM action `action`) told nothing, in a few words. */
export function unknownBecause(err: unknown, operation: string, action: string): string {
  const e = err as SdkError;
  const status = e.$metadata?.httpStatusCode;
  const name = e.name ?? 'Error';
  if (name === 'AccessDenied' || status === 403) return `${action} not granted: ${name}`;
  if (name === 'NotImplemented' || status === 501)
    return `the server does not implement ${operation}: ${name}`;
  if (name === 'NoSuchBucket') return 'the bucket does not exist: NoSuchBucket';
  if (name === 'AbortError' || name === 'TimeoutError')
    return `${operation} did not answer within ${DESCRIBE_TIMEOUT_MS / 1000} s`;
  const code = e.code ?? e.cause?.code ?? /\b(E[A-Z_]{3,})\b/.exec(e.message ?? '')?.[1];
  if (code) return `${operation} failed: ${code}`;
  return `${operation} failed: ${name}${status ? ` (HTTP ${status})` : ''}`;
}

/** Reads the bucket's versioning and Object Lock configuration; see the file comment. */
export async function describeS3Deletes(
  client: S3Client,
  bucket: string,
  opts?: CallOptions,
): Promise<DeleteBehaviour> {
  opts?.signal?.throwIfAborted();
  const signal = opts?.signal
    ? AbortSignal.any([opts.signal, AbortSignal.timeout(DESCRIBE_TIMEOUT_MS)])
    : AbortSignal.timeout(DESCRIBE_TIMEOUT_MS);
  const { GetBucketVersioningCommand, GetObjectLockConfigurationCommand } =
    await import('@aws-sdk/client-s3');
  const [versioning, lock] = await Promise.all([
    client.send(new GetBucketVersioningCommand({ Bucket: bucket }), { abortSignal: signal }).then(
      (r) => ({ ok: r }) as const,
      (err: unknown) => ({ err }) as const,
    ),
    client.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }), { abortSignal: signal }).then(
      (r) => ({ ok: r }) as const,
      (err: unknown) => ({ err }) as const,
    ),
  ]);
  // The caller's own cancellation is not a bucket property.
  opts?.signal?.throwIfAborted();
  return { bucket, ...versioningOf(versioning), ...objectLockOf(lock) };
}

type Answer<T> = { readonly ok: T } | { readonly err: unknown };

function versioningOf(
  a: Answer<{ Status?: string; MFADelete?: string }>,
): Pick<DeleteBehaviour, 'versioning' | 'versioningUnknown' | 'mfaDelete'> {
  if ('err' in a) {
    // VersityGW without --versioning-dir: the gateway keeps no versions at all, so no bucket of it is versioned.
    if ((a.err as SdkError).name === 'VersioningNotConfigured') return { versioning: 'off' };
    return {
      versioning: 'unknown',
      versioningUnknown: unknownBecause(a.err, 'GetBucketVersioning', 's3:GetBucketVersioning'),
    };
  }
  const mfa = a.ok.MFADelete === 'Enabled' ? { mfaDelete: true } : {};
  if (a.ok.Status === 'Enabled') return { versioning: 'enabled', ...mfa };
  if (a.ok.Status === 'Suspended') return { versioning: 'suspended', ...mfa };
  return { versioning: 'off' };
}

function objectLockOf(
  a: Answer<{
    ObjectLockConfiguration?: {
      ObjectLockEnabled?: string;
      Rule?: { DefaultRetention?: { Mode?: string; Days?: number; Years?: number } };
    };
  }>,
): Pick<DeleteBehaviour, 'objectLock' | 'objectLockUnknown' | 'defaultRetention'> {
  if ('err' in a) {
    const e = a.err as SdkError;
    if (e.name === 'ObjectLockConfigurationNotFoundError') return { objectLock: 'off' };
    return {
      objectLock: 'unknown',
      objectLockUnknown: unknownBecause(
        a.err,
        'GetObjectLockConfiguration',
        's3:GetBucketObjectLockConfiguration',
      ),
    };
  }
  const config = a.ok.ObjectLockConfiguration;
  if (config?.ObjectLockEnabled !== 'Enabled') return { objectLock: 'off' };
  const d = config.Rule?.DefaultRetention;
  return {
    objectLock: 'enabled',
    ...(d?.Mode
      ? {
          defaultRetention: {
            mode: d.Mode,
            ...(d.Days !== undefined ? { days: d.Days } : {}),
            ...(d.Years !== undefined ? { years: d.Years } : {}),
          },
        }
      : {}),
  };
}
