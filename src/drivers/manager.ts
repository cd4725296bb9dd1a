/**
 * Anchore's ObjectStorageManager (`object_store/manager.py`): a primary driver plus compression, the md5 digest
 * and the archive_metadata row of every document. The `check` command and demo data write through it so their
 * bytes are exactly what Anchore would write.
 */
import type { MetadataStore } from '../shared/archive-metadata';
import { ForeignContentUrlError } from '../errors';
import { documentEnvelope } from './python-json';
import { decodeStored, encodeStored, type CompressionSettings } from './stored-bytes';
import type { CallOptions, ObjectStoreDriver } from './types';

/** Manager over one primary driver. */
export interface ObjectStoreManager {
  readonly driver: ObjectStoreDriver;
  /** Stores raw bytes; returns the md5 digest of the stored bytes (Anchore's `put`). */
  put(userId: string, bucket: string, key: string, data: Buffer, opts?: CallOptions): Promise<string>;
  /** Stores `{"document": value}` serialized as Python's json.dumps would (Anchore's `put_document`). */
  putDocument(
    userId: string,
    bucket: string,
    key: string,
    value: unknown,
    opts?: CallOptions,
  ): Promise<string>;
  /** Logical bytes, or undefined when there is no metadata row. Checks the digest, decompresses. */
  get(userId: string, bucket: string, key: string, opts?: CallOptions): Promise<Buffer | undefined>;
  /** Metadata only, like Anchore's `exists`. */
  exists(userId: string, bucket: string, key: string): Promise<boolean>;
  /** Metadata first, then the backend, as Anchore does. */
  delete(userId: string, bucket: string, key: string, opts?: CallOptions): Promise<void>;
}

/** Creates a manager for `driver` with the store config's `compression` block. */
export function createObjectStoreManager(
  driver: ObjectStoreDriver,
  compression: CompressionSettings,
  metadata: MetadataStore,
): ObjectStoreManager {
  const manager: ObjectStoreManager = {
    driver,
    async put(userId, bucket, key, data, opts) {
      const stored = encodeStored(data, compression, driver.supportsCompression);
      const contentUrl = await driver.put({ userId, bucket, key }, stored.data, opts);
      await metadata.upsert({ userId, bucket, archiveId: key, contentUrl, ...stored });
      return stored.digest;
    },
    putDocument(userId, bucket, key, value, opts) {
      return manager.put(userId, bucket, key, documentEnvelope(value), opts);
    },
    async get(userId, bucket, key, opts) {
      const row = await metadata.get(userId, bucket, key);
      if (!row?.content_url) return undefined;
      if (!row.content_url.startsWith(`${driver.scheme}://`)) {
        throw new ForeignContentUrlError(
          `document ${userId}/${bucket}/${key} is stored at ${row.content_url}, not in this ${driver.name} store`,
        );
      }
      return decodeStored(await driver.get(row.content_url, opts), row, row.content_url);
    },
    async exists(userId, bucket, key) {
      return (await metadata.get(userId, bucket, key)) !== undefined;
    },
    async delete(userId, bucket, key, opts) {
      const row = await metadata.get(userId, bucket, key);
      await metadata.delete(userId, bucket, key);
      // Anchore deletes by its configured location (§11.3), which equals the row's URL for documents it wrote.
      await driver.delete(row?.content_url ?? driver.uriFor({ userId, bucket, key }), opts);
    },
  };
  return manager;
}
