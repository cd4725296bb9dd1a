/**
 * In-memory driver: a real driver (it passes the conformance suite) used by unit tests instead of a backend.
 */
import { ObjectKeyNotFoundError, UriParseError } from '../errors';
import { probeRoundTrip } from './self-check';
import { refFromPath } from './listing';
import { mapLimit, throwIfAborted } from './util';
import type { DocumentRef, ObjectStoreDriver } from './types';

export const DRIVER_NAME = 'memory';

/** Options of the memory driver. */
export interface MemoryDriverOptions {
  /** Name in URIs, so two memory stores have distinct locations. @default 'default' */
  readonly name?: string;
  /** Whether the manager may compress for this store. @default true */
  readonly supportsCompression?: boolean;
  /** Backing map, to share one store between driver instances. @default a new Map */
  readonly objects?: Map<string, Buffer>;
}

/** A memory driver exposes its map so tests can inspect or corrupt stored bytes. */
export type MemoryDriver = ObjectStoreDriver & { readonly objects: Map<string, Buffer> };

/** Creates an in-memory driver with URIs `memory://<name>/<userId>/<bucket>/<key>`. */
export function createMemoryDriver(options: MemoryDriverOptions = {}): MemoryDriver {
  const name = options.name ?? 'default';
  const objects = options.objects ?? new Map<string, Buffer>();
  const scheme = 'memory';
  const location = `${scheme}://${name}/`;
  const uriFor = (ref: DocumentRef): string => `${location}${ref.userId}/${ref.bucket}/${ref.key}`;
  const check = (uri: string): void => {
    if (!uri.startsWith(location))
      throw new UriParseError(uri, `expected ${location}<userId>/<bucket>/<key>`);
  };

  const driver: MemoryDriver = {
    name: DRIVER_NAME,
    scheme,
    supportsCompression: options.supportsCompression ?? true,
    location,
    objects,
    uriFor,
    async put(ref, data, opts) {
      throwIfAborted(opts?.signal);
      const uri = uriFor(ref);
      objects.set(uri, Buffer.from(data));
      return uri;
    },
    async putMany(items, opts) {
      const signal = opts?.signal ? { signal: opts.signal } : {};
      return mapLimit(items, items.length, async (item, index) => {
        const uri = await driver.put(item.ref, item.data, signal);
        opts?.onDone?.(index, uri);
        return uri;
      });
    },
    async get(uri, opts) {
      throwIfAborted(opts?.signal);
      check(uri);
      const data = objects.get(uri);
      if (!data) throw new ObjectKeyNotFoundError(uri);
      return Buffer.from(data);
    },
    async getMany(uris, opts) {
      throwIfAborted(opts?.signal);
      const out = new Map<string, Buffer>();
      for (const uri of uris) {
        check(uri);
        const data = objects.get(uri);
        if (data) out.set(uri, Buffer.from(data));
      }
      return out;
    },
    async *listObjects(opts) {
      // A snapshot of the keys, so writes during the listing do not disturb the iteration.
      for (const uri of [...objects.keys()].sort()) {
        throwIfAborted(opts?.signal);
        const data = objects.get(uri);
        if (!data || !uri.startsWith(location)) continue;
        const ref = refFromPath(uri.slice(location.length));
        yield { uri, size: data.length, ...(ref ? { ref, bucket: ref.bucket } : {}) };
      }
    },
    async exists(uri, opts) {
      throwIfAborted(opts?.signal);
      return objects.has(uri);
    },
    async delete(uri, opts) {
      throwIfAborted(opts?.signal);
      objects.delete(uri);
    },
    async deleteMany(uris, opts) {
      throwIfAborted(opts?.signal);
      for (const uri of uris) objects.delete(uri);
    },
    async selfCheck(opts) {
      await probeRoundTrip(driver, opts);
    },
    async close() {},
  };
  return driver;
}
