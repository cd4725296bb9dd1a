/**
 * Batch calls for backends that only have single-object requests (files, S3 GET/PUT): the same requests with
 * at most `parallelism` in flight, so a batch costs one round trip of latency per `parallelism` objects.
 */
import { ObjectKeyNotFoundError } from '../errors';
import { mapLimit, throwIfAborted } from './util';
import type { ObjectStoreDriver } from './types';

/** Reads one object; undefined when it does not exist. */
export type ReadOne = (uri: string, signal?: AbortSignal) => Promise<Buffer | undefined>;

/** `get`, `getMany`, `putMany` and `deleteMany` built from single-object calls. */
export function perObjectCalls(
  read: ReadOne,
  single: Pick<ObjectStoreDriver, 'put' | 'delete'>,
  parallelism: number,
): Pick<ObjectStoreDriver, 'get' | 'getMany' | 'putMany' | 'deleteMany'> {
  return {
    async get(uri, opts) {
      throwIfAborted(opts?.signal);
      const data = await read(uri, opts?.signal);
      if (!data) throw new ObjectKeyNotFoundError(uri);
      return data;
    },
    async getMany(uris, opts) {
      const out = new Map<string, Buffer>();
      const read1 = async (uri: string): Promise<void> => {
        const data = await read(uri, opts?.signal);
        if (data) out.set(uri, data);
      };
      await mapLimit(uris, parallelism, read1, opts?.signal);
      return out;
    },
    putMany: (items, opts) =>
      mapLimit(
        items,
        parallelism,
        async (item, index) => {
          const uri = await single.put(item.ref, item.data, {
            ...(opts?.signal ? { signal: opts.signal } : {}),
            ...(item.md5 ? { md5: item.md5 } : {}),
            ...(item.checksum ? { checksum: item.checksum } : {}),
          });
          opts?.onDone?.(index, uri);
          return uri;
        },
        opts?.signal,
      ),
    async deleteMany(uris, opts) {
      await mapLimit(uris, parallelism, (uri) => single.delete(uri, opts), opts?.signal);
    },
  };
}
