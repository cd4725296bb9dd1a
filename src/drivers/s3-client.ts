/**
 * The s3 driver's connection: the SDK client with its keep-alive agents, timeouts and middleware, the lean
 * signed requests of the hot path (docs/adr/0002), the count of overloaded answers, and the mapping of SDK
 * errors to named errors. The driver's operations (s3.ts) use only what this returns. The SDK is loaded on the
 * first call that needs it: a copy thread whose requests all go the lean way never holds its modules (~16 MiB
 * per thread, docs/adr/0009).
 */
import { createHash } from 'node:crypto';
import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type * as S3Module from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { BuildMiddleware, HandlerExecutionContext, MetadataBearer } from '@smithy/types';
import { classifyS3Error, httpStatus, type S3ErrorContext } from './s3-errors';
import { createLeanS3, type LeanS3 } from './s3-lean';

/** Options of the s3 driver, from Anchore's `storage_driver.config`. */
export interface S3DriverOptions {
  /** Bucket new documents are written to. */
  readonly bucket: string;
  /** Prepended to `<userId>/<bucket>/<key>` as is: include a trailing `/`. @default '' */
  readonly prefix?: string;
  /** Static credentials; omit both for `iamauto` (the SDK's default credential chain). */
  readonly accessKey?: string;
  readonly secretKey?: string;
  /** Custom endpoint (MinIO, VersityGW, …); implies path-style addressing. @default AWS */
  readonly url?: string;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** Create the bucket in `selfCheck` when it does not exist. @default false */
  readonly createBucket?: boolean;
  /** Requests in flight per batch call (a worker's calls share 8 × this many sockets). @default 32 */
  readonly parallelism?: number;
  /** Bodies larger than this go through multipart upload. @default 16 MiB */
  readonly multipartThreshold?: number;
  /** Multipart part size (S3 minimum 5 MiB); an upload buffers at most 4 parts. @default 8 MiB */
  readonly partSize?: number;
}

/** Batch calls a worker runs at once on one driver: its default page activity slots (`worker --concurrency`). */
const BATCH_CALLS_SHARING_SOCKETS = 8;

/** After an overloaded answer, requests go through the SDK (its adaptive retry rate-limits them) for this long. */
const LEAN_PAUSE_AFTER_BUSY_MS = 30_000;

/**
 * DeleteObjects with Content-MD5: recent SDKs send only a CRC32 there, and several S3-compatible servers (and
 * AWS until 2025) refuse that with 400 MissingContentMD5 — after pages were already switched. Added in the build
 * step, after the body is serialized and before it is signed.
 */
const contentMd5OnDeleteObjects: BuildMiddleware<object, MetadataBearer> =
  (next, context: HandlerExecutionContext) => async (args) => {
    const req = args.request as { headers?: Record<string, string>; body?: unknown };
    if (context.commandName === 'DeleteObjectsCommand' && req.headers && req.body !== undefined) {
      const body = typeof req.body === 'string' ? Buffer.from(req.body) : (req.body as Uint8Array);
      req.headers['content-md5'] = createHash('md5').update(body).digest('base64');
    }
    return next(args);
  };

/** Redacted view of the credentials for error messages: never the secret, only the access key's first 2 chars. */
function shownCredentials(o: S3DriverOptions): Record<string, string> {
  if (!o.accessKey) return { iamauto: 'true' };
  return { access_key: `${o.accessKey.slice(0, 2)}****`, secret_key: '****' };
}

/** The SDK's S3 module (its commands) with the connection's client. */
export interface S3Sdk {
  readonly client: S3Client;
  readonly commands: typeof S3Module;
}

/** What the driver's operations use of the connection. */
export interface S3Connection {
  /** The SDK, loaded and its client built on the first call. */
  sdk(): Promise<S3Sdk>;
  readonly region: string;
  readonly endpoint: string;
  /** Lean requests, unless the server said it is overloaded lately (or the endpoint is AWS itself). */
  leanNow(): LeanS3 | undefined;
  /** What an error of a call on `bucket` (and `url`) names: endpoint, bucket, redacted credentials. */
  ctx(bucket: string, url?: string): S3ErrorContext;
  /** Runs an SDK call, its errors mapped to named errors that name the bucket (and URL). */
  call<T>(bucket: string, url: string | undefined, fn: () => Promise<T>): Promise<T>;
  /** Overloaded answers (503 SlowDown, 429) since the last call. */
  takeBusyAnswers(): number;
  /** Closes the client and the sockets of lean requests. */
  close(): void;
}

export function createS3Connection(o: S3DriverOptions): S3Connection {
  const parallelism = o.parallelism ?? 32;
  const region = o.region ?? 'us-east-1';
  const endpoint = o.url ?? `https://s3.${region}.amazonaws.com`;
  // Sockets are shared by all the batch calls of a worker (its page activities, each with up to `parallelism`
  // requests): capped at `parallelism`, copies queued in the agent and the server sat partly idle
  // (bench/README.md#measurements-behind-the-code).
  const agentOptions = { keepAlive: true, maxSockets: parallelism * BATCH_CALLS_SHARING_SOCKETS };
  const httpAgent = new Agent(agentOptions);
  const httpsAgent = new HttpsAgent(agentOptions);
  const requestTimeoutMs = 120_000;
  let busyAnswers = 0;
  let leanPausedUntil = 0;
  const sawBusy = (): void => {
    busyAnswers += 1;
    leanPausedUntil = Date.now() + LEAN_PAUSE_AFTER_BUSY_MS;
  };
  // Static keys as they are; without them, iamauto's refreshing chain is the SDK's.
  const staticCredentials =
    o.accessKey && o.secretKey ? { accessKeyId: o.accessKey, secretAccessKey: o.secretKey } : undefined;
  const buildSdk = async (): Promise<S3Sdk> => {
    const commands = await import('@aws-sdk/client-s3');
    const { NodeHttpHandler } = await import('@smithy/node-http-handler');
    const client = new commands.S3Client({
      region,
      ...(o.url ? { endpoint: o.url, forcePathStyle: true } : {}),
      ...(staticCredentials ? { credentials: staticCredentials } : {}),
      // S3-compatible servers differ in their support of the SDK's default CRC checksums; Content-MD5 covers integrity.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // Adaptive: after SlowDown the client also waits for tokens before sending, not only between attempts.
      retryMode: 'adaptive',
      maxAttempts: 3,
      requestHandler: new NodeHttpHandler({
        connectionTimeout: 5_000,
        requestTimeout: requestTimeoutMs,
        httpAgent,
        httpsAgent,
      }),
    });
    client.middlewareStack.add(contentMd5OnDeleteObjects, {
      step: 'build',
      priority: 'low',
      name: 'objectstorageContentMd5OnDeleteObjects',
    });
    // Every attempt's answer passes the deserialize step, retried ones included.
    client.middlewareStack.add(
      (next) => async (args) => {
        // Inside the deserializer an answer is a raw response; outside it, an error: look at both.
        const busy = (status: number | undefined): boolean => status === 503 || status === 429;
        try {
          const out = await next(args);
          if (busy((out.response as { statusCode?: number } | undefined)?.statusCode)) sawBusy();
          return out;
        } catch (err) {
          if (busy(httpStatus(err))) sawBusy();
          throw err;
        }
      },
      { step: 'deserialize', priority: 'low', name: 'objectstorageBusyAnswers' },
    );
    return { client, commands };
  };
  let built: Promise<S3Sdk> | undefined;
  let closed = false;
  const sdk = (): Promise<S3Sdk> => {
    built ??= buildSdk();
    return built;
  };
  // Lean requests on custom endpoints (path-style, as tested); AWS itself goes through the SDK.
  const leanRequests: LeanS3 | undefined = o.url
    ? createLeanS3({
        endpoint: o.url,
        region,
        credentials: staticCredentials ?? (async () => (await sdk()).client.config.credentials()),
        agent: o.url.startsWith('https:') ? httpsAgent : httpAgent,
        requestTimeoutMs,
        onBusy: sawBusy,
      })
    : undefined;
  /** Lean requests, unless the server said it is overloaded lately. */
  const leanNow = (): LeanS3 | undefined => (Date.now() < leanPausedUntil ? undefined : leanRequests);
  const ctx = (bucket: string, url?: string): S3ErrorContext => ({
    endpoint,
    bucket,
    credentials: shownCredentials(o),
    ...(url ? { url } : {}),
  });
  const call = async <T>(bucket: string, url: string | undefined, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw classifyS3Error(err, ctx(bucket, url));
    }
  };

  return {
    sdk,
    region,
    endpoint,
    leanNow,
    ctx,
    call,
    takeBusyAnswers() {
      const n = busyAnswers;
      busyAnswers = 0;
      return n;
    },
    close() {
      if (closed) return;
      closed = true;
      // The client's handler destroys the agents it was given; without a client they are destroyed here.
      if (built) void built.then(({ client }) => client.destroy()).catch(() => undefined);
      else {
        httpAgent.destroy();
        httpsAgent.destroy();
      }
    },
  };
}
