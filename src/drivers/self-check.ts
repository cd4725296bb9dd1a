/** The probe round trip every driver runs in `selfCheck`, after its backend-specific checks. */
import { randomUUID } from 'node:crypto';
import { SelfCheckFailedError } from '../errors';
import type { CallOptions, DocumentRef, ObjectStoreDriver } from './types';

/** Account and bucket of probe documents; the bucket matches anchore-manager's `check` test bucket. */
export const PROBE_USER = '__objectstorage_selfcheck__';
export const PROBE_BUCKET = 'anchorecliconfigtest';

/** Pauses before the retries of a probe delete: a dropped connection is usually back within a second. */
const PROBE_DELETE_RETRY_MS = [200, 1_000] as const;

/** Deletes the probe, retrying a failed delete so a passing network cut does not leave it behind. */
async function deleteProbe(driver: ObjectStoreDriver, uri: string, opts?: CallOptions): Promise<void> {
  for (const pause of PROBE_DELETE_RETRY_MS) {
    try {
      return await driver.delete(uri, opts);
    } catch {
      if (opts?.signal?.aborted) break;
      await new Promise((r) => setTimeout(r, pause));
    }
  }
  await driver.delete(uri, opts);
}

/** Writes, reads back and deletes a small probe document; returns its ref. */
export async function probeRoundTrip(driver: ObjectStoreDriver, opts?: CallOptions): Promise<DocumentRef> {
  const ref: DocumentRef = { userId: PROBE_USER, bucket: PROBE_BUCKET, key: randomUUID() };
  const body = Buffer.from(`objectstorage self-check ${ref.key}`);
  const uri = await driver.put(ref, body, opts);
  try {
    const back = await driver.get(uri, opts);
    if (!back.equals(body))
      throw new SelfCheckFailedError(`${driver.name} self-check: read back different bytes at ${uri}`);
  } catch (err) {
    // The read failed (often a connection that dropped): remove the probe anyway, and report the read.
    await deleteProbe(driver, uri, opts).catch(() => undefined);
    throw err;
  }
  await deleteProbe(driver, uri, opts);
  if (await driver.exists(uri, opts)) {
    throw new SelfCheckFailedError(`${driver.name} self-check: probe still present after delete at ${uri}`);
  }
  return ref;
}
