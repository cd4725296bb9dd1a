/**
 * The bytes Anchore stores for a document (anchore-storage.md §4): zlib level 3 when compression is enabled
 * (a real YAML boolean), the driver allows it, and the body is strictly larger than `min_size_kbytes * 1024`;
 * digest and size are the md5 hex and length of the stored (post-compression) bytes.
 */
import { deflateSync, inflateSync } from 'node:zlib';
import { DecompressionError, DigestMismatchError } from '../errors';
import { md5Hex } from './util';

/** The `compression` block of a normalized store config. */
export interface CompressionSettings {
  readonly enabled: unknown;
  readonly min_size_kbytes: number;
}

/** Stored bytes with the metadata that describes them. */
export interface StoredBytes {
  readonly data: Buffer;
  readonly isCompressed: boolean;
  readonly digest: string;
  readonly size: number;
}

/** Anchore's `_do_compress`: all three conditions, threshold strictly greater. */
export function shouldCompress(
  length: number,
  compression: CompressionSettings,
  driverSupports: boolean,
): boolean {
  return compression.enabled === true && driverSupports && length > compression.min_size_kbytes * 1024;
}

/** Logical bytes → what the store keeps, plus digest and size. */
export function encodeStored(
  logical: Buffer,
  compression: CompressionSettings,
  driverSupports: boolean,
): StoredBytes {
  const isCompressed = shouldCompress(logical.length, compression, driverSupports);
  const data = isCompressed ? deflateSync(logical, { level: 3 }) : logical;
  return { data, isCompressed, digest: md5Hex(data), size: data.length };
}

/** Stored bytes → logical bytes, checking the digest first as Anchore's read does (NULL digest skips it). */
export function decodeStored(
  stored: Buffer,
  meta: { readonly digest: string | null; readonly is_compressed: boolean | null },
  url: string,
): Buffer {
  if (meta.digest) {
    const actual = md5Hex(stored);
    if (actual !== meta.digest) throw new DigestMismatchError(url, meta.digest, actual);
  }
  if (!meta.is_compressed) return stored;
  try {
    return inflateSync(stored);
  } catch (err) {
    throw new DecompressionError(url, { cause: err });
  }
}

/**
 * Stored bytes of one store → stored bytes for another: decodeStored, then encodeStored, except that bytes that
 * pass through unchanged keep the digest decodeStored just checked instead of being hashed again.
 */
export function recodeStored(
  stored: Buffer,
  meta: { readonly digest: string | null; readonly is_compressed: boolean | null },
  url: string,
  compression: CompressionSettings,
  driverSupports: boolean,
): StoredBytes {
  const logical = decodeStored(stored, meta, url);
  if (logical === stored && meta.digest && !shouldCompress(logical.length, compression, driverSupports))
    return { data: stored, isCompressed: false, digest: meta.digest, size: stored.length };
  return encodeStored(logical, compression, driverSupports);
}
