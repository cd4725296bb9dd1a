/**
 * RDS IAM authentication: the password of each new catalog connection is a token signed with the AWS
 * credentials this process has (env, profile, web identity, instance or task role). A token is accepted for
 * 15 minutes after it was signed and only checked when a connection starts, so one token serves every
 * connection made in its first 10 minutes and the next connection after that gets a new one.
 */
import { CatalogIamAuthError } from '../errors';

/** Makes a new token (the AWS SDK's RDS signer, or a test's fake). */
export type TokenSigner = () => Promise<string>;

/** Age after which a token is signed again: 5 minutes before RDS stops accepting it. */
export const IAM_TOKEN_REFRESH_MS = 10 * 60_000;

/** Options of {@link createIamTokenSource}. */
export interface IamTokenSourceOptions {
  readonly sign: TokenSigner;
  /** Called with every new token before it is used (the caller registers it as a secret). */
  readonly onToken: (token: string) => void;
  /** Milliseconds since the epoch. @default Date.now */
  readonly now?: () => number;
  /** @default {@link IAM_TOKEN_REFRESH_MS} */
  readonly refreshAfterMs?: number;
}

/**
 * A password function for pg: the cached token while it is younger than `refreshAfterMs`, else a new one.
 * Connections opened at once share one signing; a failed signing is not cached (the next connection tries again).
 */
export function createIamTokenSource(o: IamTokenSourceOptions): () => Promise<string> {
  const now = o.now ?? Date.now;
  const refreshAfterMs = o.refreshAfterMs ?? IAM_TOKEN_REFRESH_MS;
  let cached: { token: string; signedAt: number } | undefined;
  let pending: Promise<string> | undefined;
  const fresh = (at: number): boolean =>
    cached !== undefined && at >= cached.signedAt && at - cached.signedAt < refreshAfterMs;
  const sign = async (): Promise<string> => {
    // Its age counts from before the signing: the token's own clock starts no earlier.
    const signedAt = now();
    try {
      const token = await o.sign();
      o.onToken(token);
      cached = { token, signedAt };
      return token;
    } catch (err) {
      throw new CatalogIamAuthError(
        `cannot make an RDS IAM authentication token (${(err as Error).message}): give this process AWS ` +
          'credentials (AWS_* variables, AWS_PROFILE, a web identity or an instance/task role) allowed ' +
          'rds-db:connect for the database user, and the region (AWS_REGION or ?aws_region= in the URL)',
        { cause: err },
      );
    } finally {
      pending = undefined;
    }
  };
  return async () => {
    if (cached && fresh(now())) return cached.token;
    pending ??= sign();
    return pending;
  };
}

/** Where a token is for: the endpoint the client connects to and the database user it logs in as. */
export interface IamTokenTarget {
  readonly hostname: string;
  readonly port: number;
  readonly username: string;
  readonly region?: string;
}

/** The AWS SDK's RDS signer for `target`; the SDK is loaded on first use, by IAM users only. */
export function rdsTokenSigner(target: IamTokenTarget): TokenSigner {
  let signer: Promise<{ getAuthToken(): Promise<string> }> | undefined;
  return async () => {
    signer ??= import('@aws-sdk/rds-signer').then(
      ({ Signer }) =>
        new Signer({
          hostname: target.hostname,
          port: target.port,
          username: target.username,
          ...(target.region ? { region: target.region } : {}),
        }),
    );
    return (await signer).getAuthToken();
  };
}
