/**
 * `swift` driver (Anchore's SwiftObjectStorageDriver) over Swift's REST API. URIs are
 * `swift://<container>/<anchore_key_prefix><userId>/<bucket>/<key>` (no separator after the prefix, no
 * percent-encoding); on the wire object names are percent-encoded. Reads and deletes use the container named
 * in the URI, as for s3 (anchore-storage.md §2.1).
 */
import { createHash } from 'node:crypto';
import {
  BadCredentialsError,
  BucketNotFoundError,
  DocumentRejectedError,
  ObjectStorageError,
  SwiftRequestError,
} from '../errors';
import { DEFAULT_LIST_PAGE_SIZE, refFromPath } from './listing';
import { perObjectCalls } from './per-object';
import { probeRoundTrip } from './self-check';
import { authenticate, shownSwiftCredentials, type SwiftAuth, type SwiftSession } from './swift-auth';
import {
  buffered,
  createHttpClient,
  header,
  objectPath,
  type HttpCall,
  type HttpResponse,
  type StreamedResponse,
} from './swift-http';
import type { ObjectStat, ObjectStoreDriver } from './types';
import { parseContainerUri, prefixedObjectKey } from './uri';
import { chunk, mapLimit, throwIfAborted } from './util';

export const DRIVER_NAME = 'swift';

/** Options of the swift driver, from Anchore's `storage_driver.config`. */
export interface SwiftDriverOptions {
  /** Container new documents are written to. */
  readonly container: string;
  /** Prepended to `<userId>/<bucket>/<key>` as is: include a trailing `/`. @default '' */
  readonly prefix?: string;
  /** Create the container in `selfCheck` when it does not exist. @default false */
  readonly createContainer?: boolean;
  readonly auth: SwiftAuth;
  /** Requests in flight for batch calls. Memory: at most this many bodies are buffered. @default 16 */
  readonly parallelism?: number;
  /** Objects per bulk-delete request, capped by the cluster's max_deletes_per_request. @default 1000 */
  readonly bulkDeleteSize?: number;
}

/** Swift's /info, the part we use. */
interface SwiftInfo {
  bulk_delete?: { max_deletes_per_request?: number };
}

const RETRIES = 2;
const transient = (status: number): boolean => status === 408 || status === 429 || status >= 500;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Creates the swift driver. No network call happens until the first operation. */
export function createSwiftDriver(o: SwiftDriverOptions): ObjectStoreDriver {
  const prefix = o.prefix ?? '';
  const parallelism = o.parallelism ?? 16;
  const http = createHttpClient(Math.max(parallelism, 8));
  const credentials = (): Record<string, string> => shownSwiftCredentials(o.auth);

  // One token shared by every call; a 401 drops it so the next call authenticates again.
  let session: Promise<SwiftSession> | undefined;
  const currentSession = (): Promise<SwiftSession> =>
    (session ??= authenticate(http, o.auth).catch((err: unknown) => {
      session = undefined;
      throw err;
    }));

  /** A request against the storage URL with token handling and a few retries of transient failures. */
  const storage = async (
    call: Omit<HttpCall, 'base'>,
    /** The object the call is about: a 403 with a fresh token is that object's ACL, not the account's keys. */
    object?: string,
  ): Promise<HttpResponse> => {
    let reauthenticated = false;
    for (let attempt = 0; ; attempt++) {
      throwIfAborted(call.signal);
      const pending = currentSession();
      const s = await pending;
      let res: HttpResponse;
      try {
        res = await http.send({
          ...call,
          base: s.storageUrl,
          headers: { ...call.headers, 'X-Auth-Token': s.token },
        });
      } catch (err) {
        // A kept-alive socket the server closed, or a restart: retry; refused connections fail soon enough.
        if (
          attempt < RETRIES &&
          (err as Error).name === 'EndpointUnreachableError' &&
          !call.signal?.aborted
        ) {
          await sleep(200 * (attempt + 1));
          continue;
        }
        throw err;
      }
      if (res.status === 401 && !reauthenticated) {
        reauthenticated = true; // the token expired or was revoked
        if (session === pending) session = undefined;
        continue;
      }
      if (res.status === 403 && object) throw rejected(object, res);
      if (res.status === 401 || res.status === 403) {
        throw new BadCredentialsError(credentials(), s.storageUrl);
      }
      if (transient(res.status) && attempt < RETRIES) {
        await sleep(200 * (attempt + 1));
        continue;
      }
      return res;
    }
  };

  /** An answer about one object that retrying will not change (a name too long, a body too large, an ACL). */
  const rejected = (uri: string, res: HttpResponse): DocumentRejectedError =>
    new DocumentRejectedError(
      uri,
      `HTTP ${res.status}`,
      res.body.toString('utf8').replace(/\s+/g, ' ').trim().slice(0, 200),
    );
  const objectRefusal = (status: number): boolean =>
    status >= 400 && status < 500 && ![404, 408, 409, 422, 429].includes(status);
  /** Other answers to an object call: that object's refusal, or an unexpected status worth a retry. */
  const unexpected = (what: string, where: string, res: HttpResponse): Error =>
    where.startsWith('swift://') && !where.endsWith('/') && objectRefusal(res.status)
      ? rejected(where, res)
      : new SwiftRequestError(what, where, res);
  const containerMissing = async (container: string): Promise<Error> =>
    new BucketNotFoundError(container, (await currentSession()).storageUrl, { kind: 'container' });

  // /info is public and cached; without it (or without bulk delete) deletes go one by one.
  let info: Promise<SwiftInfo> | undefined;
  const swiftInfo = (): Promise<SwiftInfo> =>
    (info ??= (async () => {
      const { storageUrl } = await currentSession();
      const url = new URL(storageUrl);
      const v1 = url.pathname.indexOf('/v1/');
      url.pathname = `${v1 >= 0 ? url.pathname.slice(0, v1) : ''}/info`;
      try {
        const res = await http.send({
          method: 'GET',
          base: url.toString(),
          headers: { Accept: 'application/json' },
        });
        return res.status === 200 ? (JSON.parse(res.body.toString('utf8')) as SwiftInfo) : {};
      } catch {
        return {};
      }
    })());

  const put: ObjectStoreDriver['put'] = async (ref, data, opts) => {
    throwIfAborted(opts?.signal);
    const name = prefixedObjectKey(prefix, ref);
    const uri = `swift://${o.container}/${name}`;
    const res = await storage(
      {
        method: 'PUT',
        path: objectPath(o.container, name),
        // Swift checks the ETag against the bytes it received (422 on mismatch).
        headers: {
          'Content-Type': 'binary/octet-stream',
          ETag: createHash('md5').update(data).digest('hex'),
        },
        body: data,
        signal: opts?.signal,
      },
      uri,
    );
    if (res.status === 404) throw await containerMissing(o.container);
    if (res.status !== 201) throw unexpected('PUT', uri, res);
    return uri;
  };

  const readObject = async (uri: string, signal?: AbortSignal): Promise<Buffer | undefined> => {
    const { container, objectKey } = parseContainerUri(uri, 'swift');
    const res = await storage({ method: 'GET', path: objectPath(container, objectKey), signal }, uri);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw unexpected('GET', uri, res);
    return res.body;
  };

  const head = async (uri: string, signal?: AbortSignal): Promise<HttpResponse | undefined> => {
    const { container, objectKey } = parseContainerUri(uri, 'swift');
    const res = await storage({ method: 'HEAD', path: objectPath(container, objectKey), signal }, uri);
    if (res.status === 404) return undefined;
    if (res.status !== 200 && res.status !== 204) throw unexpected('HEAD', uri, res);
    return res;
  };

  /**
   * One streamed request with the current token. A stream cannot be sent twice, so there is no retry here: an
   * expired token drops the session (the next try authenticates) and the error goes to the caller's retry.
   */
  const streamed = async (call: Omit<HttpCall, 'base'>): Promise<StreamedResponse> => {
    const pending = currentSession();
    const s = await pending;
    const res = await http.open({
      ...call,
      base: s.storageUrl,
      headers: { ...call.headers, 'X-Auth-Token': s.token },
    });
    if (res.status === 401 && session === pending) session = undefined;
    return res;
  };

  const openRead: NonNullable<ObjectStoreDriver['openRead']> = async (uri, opts) => {
    // The HEAD settles the token, absence and refusals (with retries); the GET then streams.
    if (!(await head(uri, opts?.signal))) return undefined;
    const { container, objectKey } = parseContainerUri(uri, 'swift');
    const res = await streamed({
      method: 'GET',
      path: objectPath(container, objectKey),
      signal: opts?.signal,
    });
    if (res.status === 200) return res.body;
    const answer = await buffered(res);
    if (res.status === 404) return undefined;
    throw unexpected('GET', uri, answer);
  };

  const putStream: NonNullable<ObjectStoreDriver['putStream']> = async (ref, body, opts) => {
    throwIfAborted(opts?.signal);
    const name = prefixedObjectKey(prefix, ref);
    const uri = `swift://${o.container}/${name}`;
    // Swift hashes what it received; verify compares that ETag with the md5 the copy journaled.
    const res = await buffered(
      await streamed({
        method: 'PUT',
        path: objectPath(o.container, name),
        headers: { 'Content-Type': 'binary/octet-stream' },
        body,
        signal: opts?.signal,
      }),
    );
    if (res.status === 404) throw await containerMissing(o.container);
    if (res.status !== 201) throw unexpected('PUT', uri, res);
    return uri;
  };

  const del: ObjectStoreDriver['delete'] = async (uri, opts) => {
    throwIfAborted(opts?.signal);
    const { container, objectKey } = parseContainerUri(uri, 'swift');
    const res = await storage({
      method: 'DELETE',
      path: objectPath(container, objectKey),
      signal: opts?.signal,
    });
    if (res.status !== 204 && res.status !== 200 && res.status !== 404) throw unexpected('DELETE', uri, res);
  };

  /** Swift's bulk middleware: one POST removes up to max_deletes_per_request objects. */
  const bulkDelete = async (paths: readonly string[], signal?: AbortSignal): Promise<void> => {
    const res = await storage({
      method: 'POST',
      path: '?bulk-delete',
      headers: { 'Content-Type': 'text/plain', Accept: 'application/json' },
      body: paths.join('\n'),
      signal,
    });
    if (res.status !== 200) throw unexpected('bulk delete', '?bulk-delete', res);
    const result = JSON.parse(res.body.toString('utf8')) as {
      'Response Status'?: string;
      Errors?: Array<[string, string]>;
    };
    const errors = result.Errors ?? [];
    if (errors.length > 0 || !String(result['Response Status']).startsWith('200')) {
      const [path, status] = errors[0] ?? ['', ''];
      throw new ObjectStorageError(
        `Swift bulk delete failed (${result['Response Status']}) for ${errors.length} object(s), first ${path}: ${status}`,
      );
    }
  };

  const driver: ObjectStoreDriver = {
    name: DRIVER_NAME,
    scheme: 'swift',
    supportsCompression: true,
    location: `swift://${o.container}/${prefix}`,
    uriFor: (ref) => `swift://${o.container}/${prefixedObjectKey(prefix, ref)}`,
    put,
    delete: del,
    openRead,
    putStream,
    ...perObjectCalls(readObject, { put, delete: del }, parallelism),
    async deleteMany(uris, opts) {
      if (uris.length === 0) return;
      const paths = uris.map((uri) => {
        const { container, objectKey } = parseContainerUri(uri, 'swift');
        return objectPath(container, objectKey);
      });
      const max = (await swiftInfo()).bulk_delete?.max_deletes_per_request;
      if (!max) {
        await mapLimit(uris, parallelism, (uri) => del(uri, opts), opts?.signal);
        return;
      }
      await mapLimit(
        chunk(paths, Math.min(max, o.bulkDeleteSize ?? 1000)),
        2,
        (batch) => bulkDelete(batch, opts?.signal),
        opts?.signal,
      );
    },
    async statMany(uris, opts) {
      const out = new Map<string, ObjectStat>();
      await mapLimit(
        uris,
        parallelism,
        async (uri) => {
          const res = await head(uri, opts?.signal);
          if (!res) return;
          // The ETag is the body's md5 except for large-object manifests (SLO: md5 of segment ETags; DLO).
          const etag = (header(res, 'etag') ?? '').replace(/"/g, '');
          const manifest = header(res, 'x-static-large-object') ?? header(res, 'x-object-manifest');
          out.set(uri, {
            size: Number(header(res, 'content-length') ?? -1),
            ...(!manifest && /^[0-9a-f]{32}$/.test(etag) ? { md5: etag } : {}),
          });
        },
        opts?.signal,
      );
      return out;
    },
    async *listObjects(opts) {
      let marker = '';
      for (;;) {
        throwIfAborted(opts?.signal);
        const query = new URLSearchParams({
          format: 'json',
          limit: String(opts?.pageSize ?? DEFAULT_LIST_PAGE_SIZE),
          ...(prefix ? { prefix } : {}),
          ...(marker ? { marker } : {}),
        });
        const res = await storage({
          method: 'GET',
          path: `${objectPath(o.container)}?${query.toString()}`,
          headers: { Accept: 'application/json' },
          signal: opts?.signal,
        });
        if (res.status === 404) throw await containerMissing(o.container);
        if (res.status === 204) return;
        if (res.status !== 200) throw unexpected('container listing', `swift://${o.container}/`, res);
        const page = JSON.parse(res.body.toString('utf8')) as Array<{ name?: string; bytes?: number }>;
        for (const obj of page) {
          if (obj.name === undefined) continue;
          const ref = refFromPath(obj.name.slice(prefix.length));
          yield {
            uri: `swift://${o.container}/${obj.name}`,
            ...(obj.bytes !== undefined ? { size: obj.bytes } : {}),
            ...(ref ? { ref, bucket: ref.bucket } : {}),
          };
        }
        const last = page[page.length - 1]?.name;
        if (page.length === 0 || last === undefined) return;
        marker = last;
      }
    },
    async exists(uri, opts) {
      throwIfAborted(opts?.signal);
      return (await head(uri, opts?.signal)) !== undefined;
    },
    async selfCheck(opts) {
      // Anchore's init: stat the container (401/403 → bad credentials), create it on 404 when allowed.
      throwIfAborted(opts?.signal);
      const path = objectPath(o.container);
      const res = await storage({ method: 'HEAD', path, signal: opts?.signal });
      if (res.status === 404) {
        if (!o.createContainer) throw await containerMissing(o.container);
        const created = await storage({ method: 'PUT', path, signal: opts?.signal });
        if (created.status !== 201 && created.status !== 202)
          throw unexpected('container create', `swift://${o.container}/`, created);
      } else if (res.status !== 204 && res.status !== 200) {
        throw unexpected('container HEAD', `swift://${o.container}/`, res);
      }
      await probeRoundTrip(driver, opts);
    },
    async close() {
      http.close();
    },
  };
  return driver;
}
