/** The probe round trip every driver runs in `selfCheck`, after its backend-specific checks. */
import { randomUUID } from 'node:crypto';
import { ObjectStorageError } from '../errors';
import type { CallOptions, DocumentRef, ObjectStoreDriver } from './types';

/** Account and bucket of probe documents; the bucket matches anchore-manager's `check` test bucket. */
export const PROBE_USER = '__objectstorage_selfcheck__';
export const PROBE_BUCKET = 'anchorecliconfigtest';

/** The backend answered but did not give back what was written. */
export class SelfCheckFailedError extends ObjectStorageError {}

/** Writes, reads back and deletes a small probe document; returns its ref. */
export async function probeRoundTrip(driver: ObjectStoreDriver, opts?: CallOptions): Promise<DocumentRef> {
  const ref: DocumentRef = { userId: PROBE_USER, bucket: PROBE_BUCKET, key: randomUUID() };
  const body = Buffer.from(`objectstorage self-check ${ref.key}`);
  const uri = await driver.put(ref, body, opts);
  try {
    const back = await driver.get(uri, opts);
    if (!back.equals(body))
      throw new SelfCheckFailedError(`${driver.name} self-check: read back different bytes at ${uri}`);
  } finally {
    await driver.delete(uri, opts);
  }
  if (await driver.exists(uri, opts)) {
    throw new SelfCheckFailedError(`${driver.name} self-check: probe still present after delete at ${uri}`);
  }
  return ref;
}
