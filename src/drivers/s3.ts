/**
 * `s3` driver (Anchore's S3ObjectStorageDriver) over `@aws-sdk/client-s3`. URIs are
 * `s3://<bucket>/<prefix><userId>/<bucket>/<key>` (no separator after the prefix); reads and deletes use the
 * bucket named in the URI, not the configured one (anchore-storage.md §2.1).
 */
import { randomUUID, createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  DeleteRefusedError,
  DocumentRejectedError,
  isDocumentRejected,
  SelfCheckFailedError,
  StorageBusyError,
} from '../errors';
import { describeS3Deletes } from './s3-delete-behaviour';
import { BUSY_ERROR_CODES, classifyS3Error, httpStatus } from './s3-errors';
import { perObjectCalls } from './per-object';
import { documentDirectory, encryptedByKey, statByListing, statOf, type ListPage } from './s3-list-stat';
import { DEFAULT_LIST_PAGE_SIZE, refFromPath } from './listing';
import { encodeObjectKey, parseContainerUri, pathLikeKeyProblem, prefixedObjectKey } from './uri';
import { chunk, mapLimit, throwIfAborted } from './util';
import type {
  BatchOptions,
  CopyItem,
  CopyResult,
  DocumentRef,
  MigratedSource,
  ObjectStat,
  ObjectStoreDriver,
} from './types';

import { createS3Connection, type S3DriverOptions } from './s3-client';

export type { S3DriverOptions } from './s3-client';
export const DRIVER_NAME = 's3';

/** Hidden property: a hash of endpoint and credentials, equal for drivers that may copy server-side. */
const SERVER_KEY = Symbol('s3-server');

/** Prefix of the checksums this driver journals: the server keeps a SHA-256 of single-part objects sent with one. */
const SHA256 = 'sha256:';

/** The object keys of `uris` by bucket (batch calls are per bucket), each with its URI. */
function keysByBucket(uris: readonly string[]): Map<string, Array<{ key: string; uri: string }>> {
  const byBucket = new Map<string, Array<{ key: string; uri: string }>>();
  for (const uri of uris) {
    const { container, objectKey } = parseContainerUri(uri, 's3');
    const keys = byBucket.get(container);
    if (keys) keys.push({ key: objectKey, uri });
    else byBucket.set(container, [{ key: objectKey, uri }]);
  }
  return byBucket;
}

/** Creates the s3 driver. No network call happens until the first operation. */
export function createS3Driver(o: S3DriverOptions): ObjectStoreDriver {
  const prefix = o.prefix ?? '';
  const parallelism = o.parallelism ?? 32;
  const multipartThreshold = o.multipartThreshold ?? 16 * 1024 * 1024;
  const connection = createS3Connection(o);
  const { sdk, region, endpoint, leanNow, call, ctx, takeBusyAnswers } = connection;
  /**
   * Multipart upload of a large or streamed body, at most 4 parts in memory, every part with a SHA-256 checksum
   * the server checks (Content-MD5 covers single-part writes; without this, a multipart body carried none).
   */
  const upload = async (bucket: string, key: string, body: Buffer | Readable, signal?: AbortSignal) => {
    const { Upload } = await import('@aws-sdk/lib-storage');
    const up = new Upload({
      client: (await sdk()).client,
      params: {
        Bucket: bucket,
        Key: key,
        ContentType: 'binary/octet-stream',
        Body: body,
        ChecksumAlgorithm: 'SHA256',
      },
      queueSize: 4,
      partSize: o.partSize ?? 8 * 1024 * 1024,
    });
    const abort = (): void => void up.abort();
    signal?.addEventListener('abort', abort, { once: true });
    try {
      await up.done();
    } finally {
      signal?.removeEventListener('abort', abort);
    }
  };

  /**
   * Whether the last single-part PUT's ETag was its body's md5 (no KMS or customer key): while it is, a listing
   * proves every copy and no checksum is computed for verify (checksumFor). Undefined before the first PUT; a
   * server that stops answering so (a bucket given SSE-KMS meanwhile) turns checksums on again at its next PUT,
   * and what was written without one is read back by verify.
   */
  let etagsAreMd5: boolean | undefined;
  const learnEtags = (etag: string | undefined, md5: Buffer, encrypted: boolean): void => {
    etagsAreMd5 = statOf(0, etag ?? '', encrypted ? 'encrypted' : 'head').md5 === md5.toString('hex');
  };

  const writeObject = async (
    bucket: string,
    key: string,
    data: Buffer,
    signal?: AbortSignal,
    md5Hex?: string,
    checksum?: string,
  ): Promise<void> => {
    const common = { Bucket: bucket, Key: key, ContentType: 'binary/octet-stream' };
    if (data.length > multipartThreshold) {
      await upload(bucket, key, data, signal);
      return;
    }
    const digest = md5Hex ? Buffer.from(md5Hex, 'hex') : createHash('md5').update(data).digest();
    const md5 = digest.toString('base64');
    const sha256 = checksum?.startsWith(SHA256) ? checksum.slice(SHA256.length) : undefined;
    const quick = await leanNow()?.put(bucket, key, data, md5, signal, sha256);
    if (quick) {
      learnEtags(quick.etag, digest, quick.encrypted);
      return;
    }
    const s3 = await sdk();
    const put = await s3.client.send(
      new s3.commands.PutObjectCommand({
        ...common,
        Body: data,
        ContentMD5: md5,
        ...(sha256 ? { ChecksumSHA256: sha256 } : {}),
      }),
      { abortSignal: signal },
    );
    learnEtags(put.ETag, digest, encryptedByKey(put.ServerSideEncryption, put.SSECustomerAlgorithm));
  };

  const readObject = async (uri: string, signal?: AbortSignal): Promise<Buffer | undefined> => {
    const { container, objectKey } = parseContainerUri(uri, 's3');
    const quick = await leanNow()?.get(container, objectKey, signal);
    if (quick !== undefined) return quick === 'absent' ? undefined : quick;
    try {
      const s3 = await sdk();
      const res = await s3.client.send(
        new s3.commands.GetObjectCommand({ Bucket: container, Key: objectKey }),
        {
          abortSignal: signal,
        },
      );
      return Buffer.from(
        await (res.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
      );
    } catch (err) {
      const e = classifyS3Error(err, ctx(container, uri));
      if (e.name === 'ObjectKeyNotFoundError') return undefined;
      throw e;
    }
  };

  /**
   * The object key of a document to write. S3-compatible servers that keep objects as files (VersityGW, SeaweedFS,
   * MinIO) store `a//b`, `a/./b` or `a/../b` under another name, where a later document could overwrite it after
   * its source was deleted: on a custom endpoint such keys are refused (that document fails alone). AWS keeps
   * keys as they are.
   */
  const keyToWrite = (ref: DocumentRef): string => {
    const key = prefixedObjectKey(prefix, ref);
    const problem = o.url ? pathLikeKeyProblem(key) : undefined;
    if (problem)
      throw new DocumentRejectedError(
        `s3://${o.bucket}/${key}`,
        'UnsafeKey',
        `${problem}: an S3-compatible server may store it under another document's name; keep it where it is`,
      );
    return key;
  };

  const put: ObjectStoreDriver['put'] = async (ref, data, opts) => {
    throwIfAborted(opts?.signal);
    const key = keyToWrite(ref);
    await call(o.bucket, `s3://${o.bucket}/${key}`, () =>
      writeObject(o.bucket, key, data, opts?.signal, opts?.md5, opts?.checksum),
    );
    return `s3://${o.bucket}/${key}`;
  };
  const putStream: NonNullable<ObjectStoreDriver['putStream']> = async (ref, body, opts) => {
    throwIfAborted(opts?.signal);
    const key = keyToWrite(ref);
    const uri = `s3://${o.bucket}/${key}`;
    await call(o.bucket, uri, () => upload(o.bucket, key, body, opts?.signal));
    return uri;
  };
  const openRead: NonNullable<ObjectStoreDriver['openRead']> = async (uri, opts) => {
    const { container, objectKey } = parseContainerUri(uri, 's3');
    try {
      const s3 = await sdk();
      const res = await s3.client.send(
        new s3.commands.GetObjectCommand({ Bucket: container, Key: objectKey }),
        {
          abortSignal: opts?.signal,
        },
      );
      return res.Body as Readable;
    } catch (err) {
      const e = classifyS3Error(err, ctx(container, uri));
      if (e.name === 'ObjectKeyNotFoundError') return undefined;
      throw e;
    }
  };
  const del: ObjectStoreDriver['delete'] = async (uri, opts) => {
    throwIfAborted(opts?.signal);
    const { container, objectKey } = parseContainerUri(uri, 's3');
    const s3 = await sdk();
    await call(container, uri, () =>
      s3.client.send(new s3.commands.DeleteObjectCommand({ Bucket: container, Key: objectKey }), {
        abortSignal: opts?.signal,
      }),
    );
  };

  // Identifies "same server, same credentials" for server-side copies without keeping the secret in clear.
  const serverKey = createHash('sha256')
    .update(JSON.stringify([endpoint, region, o.accessKey ?? '', o.secretKey ?? '']))
    .digest('hex');
  const sameServer = (source: ObjectStoreDriver): boolean =>
    (source as Partial<Record<typeof SERVER_KEY, string>>)[SERVER_KEY] === serverKey;
  const copyOne = async (item: CopyItem, signal?: AbortSignal): Promise<CopyResult> => {
    const from = parseContainerUri(item.sourceUri, 's3');
    const key = keyToWrite(item.ref);
    const uri = `s3://${o.bucket}/${key}`;
    const quick = await leanNow()?.copy(
      o.bucket,
      key,
      { bucket: from.container, key: from.objectKey },
      item.expectMd5,
      signal,
    );
    if (quick === 'copied') return { uri };
    if (quick !== undefined) return { skipped: quick };
    try {
      const s3 = await sdk();
      await s3.client.send(
        new s3.commands.CopyObjectCommand({
          Bucket: o.bucket,
          Key: key,
          // CopySource is "bucket/key", URL-encoded except for the slashes.
          CopySource: `${from.container}/${encodeObjectKey(from.objectKey)}`,
          ContentType: 'binary/octet-stream',
          MetadataDirective: 'REPLACE',
          ...(item.expectMd5 ? { CopySourceIfMatch: `"${item.expectMd5}"` } : {}),
        }),
        { abortSignal: signal },
      );
      return { uri };
    } catch (err) {
      if (httpStatus(err) === 412) return { skipped: 'etag_mismatch' };
      const e = classifyS3Error(err, ctx(o.bucket, item.sourceUri));
      if (e.name === 'ObjectKeyNotFoundError') return { skipped: 'absent' };
      throw e;
    }
  };
  /**
   * One DeleteObjects; returns the keys the server refused (Object Lock, a policy), with its reason. A server
   * that refuses the whole request for one locked object (VersityGW: 403) is asked object by object, so only
   * those are refused; overloaded per-key answers are StorageBusyError (the batch is retried).
   */
  const deleteBatch = async (
    bucket: string,
    keys: readonly string[],
    signal?: AbortSignal,
  ): Promise<Map<string, string>> => {
    const refused = new Map<string, string>();
    const quick = await leanNow()?.deleteObjects(bucket, keys, signal);
    if (quick) {
      for (const e of quick) refused.set(e.key, perKeyRefusal(bucket, e));
      return refused;
    }
    const s3 = await sdk();
    let res;
    try {
      res = await s3.client.send(
        new s3.commands.DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
        }),
        { abortSignal: signal },
      );
    } catch (err) {
      if (httpStatus(err) !== 403 || (err as Error).name !== 'AccessDenied')
        throw classifyS3Error(err, ctx(bucket));
      await mapLimit(
        keys,
        parallelism,
        async (key) => {
          const uri = `s3://${bucket}/${key}`;
          await del(uri, { signal }).catch((e: unknown) => {
            if (!isDocumentRejected(e)) throw e;
            refused.set(key, (e as Error).message);
          });
        },
        signal,
      );
      return refused;
    }
    for (const e of res.Errors ?? []) refused.set(e.Key ?? '', perKeyRefusal(bucket, sdkKeyError(e)));
    return refused;
  };

  /**
   * Why DeleteObjects refused one key, for the document's report; an overloaded answer (SlowDown, InternalError)
   * is no refusal: the whole batch is tried again later.
   */
  const perKeyRefusal = (
    bucket: string,
    e: { code?: string | undefined; message?: string | undefined; versionId?: string | undefined },
  ): string => {
    if (e.code && BUSY_ERROR_CODES.has(e.code))
      throw new StorageBusyError(
        `S3 at ${endpoint} is busy deleting in bucket ${bucket} (${e.code}); retried later`,
      );
    return `${e.versionId ? `version ${e.versionId}: ` : ''}${e.code ?? 'refused'}: ${e.message ?? ''}`;
  };

  /** A key the SDK's DeleteObjects did not delete, as the lean request reports it. */
  const sdkKeyError = (e: { Code?: string; Message?: string; VersionId?: string }) => ({
    code: e.Code,
    message: e.Message,
    versionId: e.VersionId,
  });

  /** HEAD through the SDK (with the checksums the server keeps, when asked); undefined when absent. */
  const headObject = async (uri: string, signal?: AbortSignal, checksums = false) => {
    const { container, objectKey } = parseContainerUri(uri, 's3');
    try {
      const s3 = await sdk();
      return await s3.client.send(
        new s3.commands.HeadObjectCommand({
          Bucket: container,
          Key: objectKey,
          ...(checksums ? { ChecksumMode: 'ENABLED' as const } : {}),
        }),
        { abortSignal: signal },
      );
    } catch (err) {
      if (httpStatus(err) === 404) return undefined;
      throw classifyS3Error(err, ctx(container, uri));
    }
  };

  /** The version id of each object that is current now (absent objects and unversioned ones left out). */
  const currentVersions = async (
    sources: readonly MigratedSource[],
    signal?: AbortSignal,
  ): Promise<Map<string, string>> => {
    const ids = new Map<string, string>();
    await mapLimit(
      sources,
      parallelism,
      async ({ uri, size }) => {
        const head = await headObject(uri, signal);
        // Only the version that was migrated: another size is not the document the journal knows.
        const id = head?.VersionId;
        if (id && id !== 'null' && (size === null || head?.ContentLength === size)) ids.set(uri, id);
      },
      signal,
    );
    return ids;
  };

  const copyMany = (items: readonly CopyItem[], opts?: BatchOptions<CopyResult>): Promise<CopyResult[]> =>
    mapLimit(
      items,
      parallelism,
      async (item, index) => {
        const result = await copyOne(item, opts?.signal);
        opts?.onDone?.(index, result);
        return result;
      },
      opts?.signal,
    );

  /** size and (unencrypted single-part ETag) md5 of an object; undefined when absent. */
  const stat = async (uri: string, signal?: AbortSignal): Promise<ObjectStat | undefined> => {
    const { container, objectKey } = parseContainerUri(uri, 's3');
    const quick = await leanNow()?.head(container, objectKey, signal);
    if (quick === 'absent') return undefined;
    if (quick) return statOf(quick.size, quick.etag, quick.encrypted ? 'encrypted' : 'head');
    const head = await headObject(uri, signal);
    if (!head) return undefined;
    const encrypted = encryptedByKey(head.ServerSideEncryption, head.SSECustomerAlgorithm);
    return statOf(head.ContentLength ?? -1, head.ETag ?? '', encrypted ? 'encrypted' : 'head');
  };

  const listPage =
    (signal?: AbortSignal): ListPage =>
    async ({ bucket, prefix: dir, startAfter, token, maxKeys }) => {
      const quick = await leanNow()?.list({ bucket, prefix: dir, startAfter, token, maxKeys }, signal);
      if (quick) return quick;
      const s3 = await sdk();
      const page = await s3.client.send(
        new s3.commands.ListObjectsV2Command({
          Bucket: bucket,
          Prefix: dir,
          MaxKeys: maxKeys,
          ...(token ? { ContinuationToken: token } : { StartAfter: startAfter }),
        }),
        { abortSignal: signal },
      );
      const objects = (page.Contents ?? []).flatMap((c) =>
        c.Key === undefined ? [] : [{ key: c.Key, size: c.Size ?? -1, etag: c.ETag ?? '' }],
      );
      return {
        objects,
        ...(page.IsTruncated && page.NextContinuationToken ? { next: page.NextContinuationToken } : {}),
      };
    };

  const driver: ObjectStoreDriver & { readonly [SERVER_KEY]: string } = {
    [SERVER_KEY]: serverKey,
    canCopyFrom: sameServer,
    copyFrom(source, items, opts) {
      if (!sameServer(source)) throw new Error('copyFrom: the source is not on this server');
      return copyMany(items, opts);
    },
    checksumFor: (data) =>
      data.length > multipartThreshold || etagsAreMd5 === true
        ? undefined
        : `${SHA256}${createHash('sha256').update(data).digest('base64')}`,
    async checksumsOf(uris, opts) {
      const out = new Map<string, string>();
      await mapLimit(
        uris,
        parallelism,
        async (uri) => {
          const head = await headObject(uri, opts?.signal, true);
          // A multipart upload's checksum is of its parts ("…-N"): not what checksumFor gives.
          const sha = head?.ChecksumSHA256;
          if (sha && !sha.includes('-') && head?.ChecksumType !== 'COMPOSITE')
            out.set(uri, `${SHA256}${sha}`);
        },
        opts?.signal,
      );
      return out;
    },
    takeBusyAnswers,
    name: DRIVER_NAME,
    scheme: 's3',
    supportsCompression: true,
    location: `s3://${o.bucket}/${prefix}`,
    uriFor: (ref) => `s3://${o.bucket}/${prefixedObjectKey(prefix, ref)}`,
    put,
    delete: del,
    putStream,
    openRead,
    // Per-object GET/PUT in parallel; deletes are batched below with DeleteObjects.
    ...perObjectCalls(readObject, { put, delete: del }, parallelism),
    async statMany(uris, opts) {
      const signal = opts?.signal;
      const objects = uris.map((uri) => {
        const { container, objectKey } = parseContainerUri(uri, 's3');
        return { uri, bucket: container, key: objectKey };
      });
      const { stats, toHead } = await statByListing(listPage(signal), objects, documentDirectory(prefix));
      const out = new Map<string, ObjectStat>();
      for (const { uri, bucket, key } of objects) {
        const st = stats.get(`${bucket}\n${key}`);
        if (st) out.set(uri, st);
      }
      const heads = new Set(toHead.map(({ bucket, key }) => `${bucket}\n${key}`));
      await mapLimit(
        objects.filter(({ bucket, key }) => heads.has(`${bucket}\n${key}`)),
        parallelism,
        async ({ uri }) => {
          const st = await stat(uri, signal);
          if (st) out.set(uri, st);
          else out.delete(uri);
        },
        signal,
      );
      return out;
    },
    async *listObjects(opts) {
      const s3 = await sdk();
      let token: string | undefined;
      do {
        throwIfAborted(opts?.signal);
        const page = await call(o.bucket, undefined, () =>
          s3.client.send(
            new s3.commands.ListObjectsV2Command({
              Bucket: o.bucket,
              ...(prefix ? { Prefix: prefix } : {}),
              MaxKeys: opts?.pageSize ?? DEFAULT_LIST_PAGE_SIZE,
              ...(token ? { ContinuationToken: token } : {}),
            }),
            { abortSignal: opts?.signal },
          ),
        );
        for (const obj of page.Contents ?? []) {
          if (obj.Key === undefined) continue;
          const ref = refFromPath(obj.Key.slice(prefix.length));
          yield {
            uri: `s3://${o.bucket}/${obj.Key}`,
            ...(obj.Size !== undefined ? { size: obj.Size } : {}),
            ...(ref ? { ref, bucket: ref.bucket } : {}),
          };
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },
    async exists(uri, opts) {
      throwIfAborted(opts?.signal);
      return (await stat(uri, opts?.signal)) !== undefined;
    },
    async deleteWithVersions(sources, opts) {
      const signal = opts?.signal;
      const versions = await currentVersions(sources, signal);
      const refused = new Map<string, string>();
      await driver
        .deleteMany(
          sources.map((s) => s.uri),
          opts,
        )
        .catch((err: unknown) => {
          if (!(err instanceof DeleteRefusedError)) throw err;
          for (const [uri, why] of err.refused) refused.set(uri, why);
        });
      const deletable = [...versions.keys()].filter((uri) => !refused.has(uri));
      const s3 = await sdk();
      for (const [bucket, keys] of keysByBucket(deletable)) {
        const objects = keys.map(({ key, uri }) => ({ Key: key, VersionId: versions.get(uri) as string }));
        for (const batch of chunk(objects, 1000)) {
          const res = await call(bucket, undefined, () =>
            s3.client.send(
              new s3.commands.DeleteObjectsCommand({
                Bucket: bucket,
                Delete: { Objects: batch, Quiet: true },
              }),
              {
                abortSignal: signal,
              },
            ),
          );
          // A version under retention or a legal hold stays: reported with its document, not failed.
          for (const e of res.Errors ?? [])
            refused.set(`s3://${bucket}/${e.Key}`, perKeyRefusal(bucket, sdkKeyError(e)));
        }
      }
      if (refused.size > 0) throw new DeleteRefusedError(refused);
    },
    async deleteMany(uris, opts) {
      const refused = new Map<string, string>();
      for (const [bucket, objects] of keysByBucket(uris)) {
        const keys = objects.map((x) => x.key);
        // DeleteObjects takes at most 1000 keys per request.
        await mapLimit(chunk(keys, 1000), 4, async (batch) => {
          for (const [key, why] of await deleteBatch(bucket, batch, opts?.signal))
            refused.set(`s3://${bucket}/${key}`, why);
        });
      }
      if (refused.size > 0) throw new DeleteRefusedError(refused);
    },
    async selfCheck(opts) {
      // Object-level calls only, like Anchore (§9: bucket-level checks broke IAM-role users; listing needs
      // s3:ListBucket, and migrations fall back to HEAD without it), each named when it fails: a server that
      // cannot copy or batch-delete is found here.
      const key = `${prefix}__anchore_s3_key_self_check__${randomUUID()}`;
      const uri = `s3://${o.bucket}/${key}`;
      const copyUri = `${uri}.copy`;
      const body = Buffer.from('anchore-objectstorage self-check');
      const signal = opts?.signal;
      const s3 = await sdk();
      try {
        await writeObject(o.bucket, key, body, signal);
      } catch (err) {
        const e = classifyS3Error(err, ctx(o.bucket));
        if (e.name !== 'BucketNotFoundError' || !o.createBucket) throw e;
        // Another process checking the same new bucket may create it first: that is the bucket we want.
        await call(o.bucket, undefined, () =>
          s3.client
            .send(new s3.commands.CreateBucketCommand({ Bucket: o.bucket }))
            .catch((created: unknown) => {
              if ((created as Error).name !== 'BucketAlreadyOwnedByYou') throw created;
            }),
        );
        await call(o.bucket, undefined, () => writeObject(o.bucket, key, body, signal));
      }
      const step = async <T>(operation: string, fn: () => Promise<T>): Promise<T> => {
        try {
          return await fn();
        } catch (err) {
          if (err instanceof SelfCheckFailedError) throw err;
          const e = classifyS3Error(err, ctx(o.bucket, uri));
          const code = (err as { name?: string }).name ?? e.name;
          throw new SelfCheckFailedError(
            `s3 self-check: ${operation} failed on ${uri} (${code}: ${e.message}); a migration needs it`,
            { cause: err },
          );
        }
      };
      let failure: unknown;
      try {
        await step('GetObject', async () => {
          const back = await driver.get(uri, opts);
          if (!back.equals(body))
            throw new SelfCheckFailedError(`s3 self-check: GetObject read back different bytes at ${uri}`);
        });
        await step('HeadObject', async () => {
          const head = await s3.client.send(
            new s3.commands.HeadObjectCommand({ Bucket: o.bucket, Key: key }),
            {
              abortSignal: signal,
            },
          );
          if (head.ContentLength !== body.length)
            throw new SelfCheckFailedError(
              `s3 self-check: HeadObject says ${head.ContentLength} bytes at ${uri}, ${body.length} were written`,
            );
        });
        await step('CopyObject', () =>
          s3.client.send(
            new s3.commands.CopyObjectCommand({
              Bucket: o.bucket,
              Key: `${key}.copy`,
              CopySource: `${o.bucket}/${encodeObjectKey(key)}`,
            }),
            { abortSignal: signal },
          ),
        );
      } catch (err) {
        failure = err;
      }
      // Whatever failed above, the probes go; a failing delete is reported only if nothing failed before it.
      try {
        await step('DeleteObjects', () => driver.deleteMany([uri, copyUri], opts));
      } catch (err) {
        failure ??= err;
        // One by one, so a server without DeleteObjects is not left holding the probes.
        await Promise.all([uri, copyUri].map((u) => del(u, opts).catch(() => undefined)));
      }
      if (failure !== undefined) throw failure;
      if (await driver.exists(uri, opts))
        throw new SelfCheckFailedError(`s3 self-check: the probe is still at ${uri} after DeleteObjects`);
    },
    // Bucket-level reads (versioning, Object Lock) for plan and migrate: never an error, see s3-delete-behaviour.
    describeDeletes: async (opts) => describeS3Deletes((await sdk()).client, o.bucket, opts),
    async close() {
      connection.close();
    },
  };
  return driver;
}
