/** S3 helpers for the bench: the project's own s3 driver (same client and HTTP handler settings), counts, cleanup. */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createS3Driver, type S3DriverOptions } from '../src/drivers/s3';
import type { ObjectStoreDriver } from '../src/drivers/types';
import type { Stack } from './stack';

export const PREFIX = 'anchore/';

/** The bench stack's S3 settings for `bucket` (created on first use). */
export function s3Options(
  stack: Stack,
  bucket: string,
  extra: Partial<S3DriverOptions> = {},
): S3DriverOptions {
  return {
    bucket,
    prefix: PREFIX,
    url: stack.s3Endpoint,
    accessKey: stack.s3AccessKey,
    secretKey: stack.s3SecretKey,
    createBucket: true,
    ...extra,
  };
}

export function s3Driver(
  stack: Stack,
  bucket: string,
  extra: Partial<S3DriverOptions> = {},
): ObjectStoreDriver {
  return createS3Driver(s3Options(stack, bucket, extra));
}

/** Objects in a bucket (ListObjectsV2 through the driver's listing). */
export async function countObjects(stack: Stack, bucket: string): Promise<number> {
  const d = s3Driver(stack, bucket);
  let n = 0;
  try {
    for await (const obj of d.listObjects?.() ?? []) n += obj ? 1 : 0;
  } catch (err) {
    if ((err as Error).name === 'BucketNotFoundError') return 0;
    throw err;
  } finally {
    await d.close();
  }
  return n;
}

/** Frees the disk a finished phase used: versitygw's posix backend keeps a bucket as a directory. */
export function removeBucketDir(dataDir: string, bucket: string): void {
  rmSync(join(dataDir, 's3', bucket), { recursive: true, force: true });
}
