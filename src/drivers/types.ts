/**
 * The driver contract (Anchore's `drivers/interface.py`, plus batches and cancellation). A driver is a byte
 * store keyed by (userId, bucket, key); `put` returns the content URI that archive_metadata records, and reads
 * and deletes go through that URI. Drivers know nothing about compression, digests or metadata rows: that is
 * the manager's job (`manager.ts`).
 */
import type { Readable } from 'node:stream';

/** Anchore's `storage_driver.name` values, plus `memory` for unit tests. */
export type DriverName = 'db' | 'db2' | 'localfs' | 's3' | 'swift' | 'memory';

/** Where a document lives in Anchore's terms. `userId` is the account name. */
export interface DocumentRef {
  readonly userId: string;
  readonly bucket: string;
  readonly key: string;
}

/** Options every call takes. Pass the activity's `cancellationSignal()` here. */
export interface CallOptions {
  readonly signal?: AbortSignal;
}

/**
 * Options of a batch write (putMany, copyFrom). A batch that fails has still written some of its objects: each
 * is reported to `onDone` as it completes, and the call settles every write it started before it throws, so a
 * caller can journal every copy that exists.
 */
export interface BatchOptions<R> extends CallOptions {
  readonly onDone?: (index: number, result: R) => void;
}

/** Options of a self-check. */
export interface SelfCheckOptions extends CallOptions {
  /**
   * localfs: create a missing archive_data_dir, as Anchore's start-up and `check` do (the default). A migration's
   * prepare passes false: a worker without the shared volume must not create a directory of its own and mark it.
   */
  readonly createDataDir?: boolean;
}

/** One document to write in a batch. */
export interface PutItem {
  readonly ref: DocumentRef;
  readonly data: Buffer;
  /** md5 (hex) of `data` when the caller already has it; see {@link PutOptions}. */
  readonly md5?: string;
  /** What `checksumFor(data)` gave: the driver sends it with the body, and the server keeps and checks it. */
  readonly checksum?: string;
}

/** Options of a write. */
export interface PutOptions extends CallOptions {
  /**
   * md5 (hex) of the data, when the caller has computed it anyway (the digest it journals): a backend that sends
   * Content-MD5 uses it instead of hashing the body again. A wrong value makes the write fail, never succeed.
   */
  readonly md5?: string;
  /** What `checksumFor(data)` gave: sent with the body, kept and checked by the backend. */
  readonly checksum?: string;
}

/** What a metadata call knows about a stored object. */
export interface ObjectStat {
  readonly size: number;
  /** md5 hex of the stored bytes, when the backend reports it (an unencrypted single-part ETag, SQL md5()). */
  readonly md5?: string;
  /**
   * An ETag that looks like an md5 but may not be one (a listing cannot tell an SSE-KMS or SSE-C object, whose
   * ETag is not its md5): equal to a digest it proves that digest, different it proves nothing. See provenMd5.
   */
  readonly etag?: string;
}

/** Takes the overloaded answers (see `takeBusyAnswers`) of `drivers`, each driver counted once. */
export function takeBusyAnswersOf(...drivers: ObjectStoreDriver[]): number {
  return [...new Set(drivers)].reduce((n, d) => n + (d.takeBusyAnswers?.() ?? 0), 0);
}

/** The md5 a stat proves for stored bytes expected to hash to `digest`, or undefined when it cannot tell. */
export function provenMd5(stat: ObjectStat, digest: string | null | undefined): string | undefined {
  if (stat.md5 !== undefined) return stat.md5;
  return digest && stat.etag === digest ? digest : undefined;
}

/** One object found by listing a store's location. */
export interface ListedObject {
  /** The content URI archive_metadata would record for it. */
  readonly uri: string;
  /** Stored bytes, when the listing reports it without reading the body. */
  readonly size?: number;
  /** The document the URI names, when the driver can invert its URI scheme (not localfs: it hashes names). */
  readonly ref?: DocumentRef;
  /** The logical bucket, when known even without a full ref (localfs keeps it as a directory name). */
  readonly bucket?: string;
}

/** One object of a server-side copy: where it is, and the document it becomes at the destination. */
export interface CopyItem {
  readonly sourceUri: string;
  readonly ref: DocumentRef;
  /** Copy only if the source's ETag is this md5 (S3 CopySourceIfMatch): the source is checked in the copy. */
  readonly expectMd5?: string;
}

/** Per copied item: its new URI, or why nothing was copied (the source is absent, or not `expectMd5`). */
export type CopyResult = { readonly uri: string } | { readonly skipped: 'absent' | 'etag_mismatch' };

/** A source a migration deletes, with the stored size its journal recorded. */
export interface MigratedSource {
  readonly uri: string;
  readonly size: number | null;
}

/** Options of a listing. */
export interface ListOptions extends CallOptions {
  /** Objects fetched per backend request (S3 MaxKeys, SQL LIMIT). @default 1000 */
  readonly pageSize?: number;
}

/**
 * What a delete does in a store whose bucket may keep versions (S3 versioning, Object Lock): read with bucket-level
 * calls an IAM policy may not grant, so every part can be `unknown`, with the reason in `…Unknown`.
 */
export interface DeleteBehaviour {
  /** The backend bucket (container) the store's objects live in. */
  readonly bucket: string;
  /** `off`: never enabled; `enabled`: a delete adds a delete marker; `suspended`: versions written before stay. */
  readonly versioning: 'off' | 'enabled' | 'suspended' | 'unknown';
  /** Why versioning is unknown, e.g. `s3:GetBucketVersioning not granted: AccessDenied`. */
  readonly versioningUnknown?: string;
  /** MFA delete on: deleting a version needs the root account's MFA. */
  readonly mfaDelete?: boolean;
  readonly objectLock: 'off' | 'enabled' | 'unknown';
  readonly objectLockUnknown?: string;
  /** The bucket's default retention, when Object Lock is on and has one. */
  readonly defaultRetention?: { readonly mode: string; readonly days?: number; readonly years?: number };
}

/** The contract every driver implements. */
export interface ObjectStoreDriver {
  /** Anchore config name of the driver. */
  readonly name: DriverName;
  /** URI scheme of the content URLs this driver writes (`db`, `db2`, `file`, `s3`, `swift`). */
  readonly scheme: string;
  /** Anchore's `__supports_compressed_data__`: false only for `db`. */
  readonly supportsCompression: boolean;
  /** Content-URL prefix shared by every URI this driver builds for its current config. */
  readonly location: string;

  /** The exact content URI Anchore would write for `ref` with this config. */
  uriFor(ref: DocumentRef): string;
  /** Writes (or overwrites) one document; returns its URI. */
  put(ref: DocumentRef, data: Buffer, opts?: PutOptions): Promise<string>;
  /** Writes several documents with as few round trips as the backend allows; returns URIs in input order. */
  putMany(items: readonly PutItem[], opts?: BatchOptions<string>): Promise<string[]>;
  /** Reads the bytes at `uri`. Throws `ObjectKeyNotFoundError` when absent. */
  get(uri: string, opts?: CallOptions): Promise<Buffer>;
  /** Reads several URIs; absent ones are missing from the result map. */
  getMany(uris: readonly string[], opts?: CallOptions): Promise<Map<string, Buffer>>;
  /** The bytes at `uri` as a stream, for documents too large to hold whole; undefined when absent. */
  openRead?(uri: string, opts?: CallOptions): Promise<Readable | undefined>;
  /** Writes (or overwrites) one document from a stream without holding it whole; returns its URI. */
  putStream?(ref: DocumentRef, body: Readable, opts?: CallOptions): Promise<string>;
  /**
   * Size (and md5 where the backend knows it without reading the body) of several objects; absent ones are
   * missing from the map. Drivers without a cheap metadata call leave it out and callers read the bodies.
   */
  statMany?(uris: readonly string[], opts?: CallOptions): Promise<Map<string, ObjectStat>>;
  /**
   * Every object under this driver's `location`, in pages of `pageSize` (memory stays bounded by one page).
   * Read-only. Drivers that cannot enumerate their backend leave it out.
   */
  listObjects?(opts?: ListOptions): AsyncIterable<ListedObject>;
  /** Whether `source` is a store on the same server with the same credentials, so copyFrom can serve it. */
  canCopyFrom?(source: ObjectStoreDriver): boolean;
  /**
   * Server-side copy (S3 CopyObject) of objects that `source` holds (`canCopyFrom(source)` must be true): the
   * bytes never pass through the worker and are copied as they are. Results are in input order.
   */
  copyFrom?(
    source: ObjectStoreDriver,
    items: readonly CopyItem[],
    opts?: BatchOptions<CopyResult>,
  ): Promise<CopyResult[]>;
  /**
   * Answers that said the backend is overloaded (S3 503 SlowDown, 429), retried ones included, since the last
   * call: a migration slows down on them for all its workers. Drivers that cannot tell leave it out.
   */
  takeBusyAnswers?(): number;
  /**
   * The checksum the backend will keep for `data` written as one object (`sha256:<base64>`), undefined where it
   * keeps none (a multipart upload's is of its parts) or where its ETags are the md5 already. Journaled with the
   * copy, it proves the copy without reading it back where an ETag cannot (SSE-KMS): see checksumsOf.
   */
  checksumFor?(data: Buffer): string | undefined;
  /** The checksums the backend keeps for these objects, as checksumFor gives them (absent: none kept). */
  checksumsOf?(uris: readonly string[], opts?: CallOptions): Promise<Map<string, string>>;
  /** Whether an object exists at `uri`. */
  exists(uri: string, opts?: CallOptions): Promise<boolean>;
  /** Deletes the object at `uri`; deleting an absent object is not an error. */
  delete(uri: string, opts?: CallOptions): Promise<void>;
  /**
   * Deletes migrated sources and, in a versioned store, their stored versions too (a plain delete leaves the
   * version billable behind a delete marker): the marker first, so no older version becomes current again, then
   * the version that was current, by its id, when its size is the migrated document's. Refusals as deleteMany.
   */
  deleteWithVersions?(sources: readonly MigratedSource[], opts?: CallOptions): Promise<void>;
  /** Deletes several URIs in as few round trips as the backend allows. */
  deleteMany(uris: readonly string[], opts?: CallOptions): Promise<void>;
  /**
   * Stores on a directory (localfs): every worker must see the same one, and a path alone does not prove it. A
   * marker named by `id` is written once (`markShared`), required by every later call site (`checkShared` throws
   * DataDirNotSharedError where it is absent) and removed at the end (`unmarkShared`). Other drivers leave them out.
   */
  markShared?(id: string): Promise<void>;
  checkShared?(id: string): Promise<void>;
  unmarkShared?(id: string): Promise<void>;
  /**
   * What deleting from this store does, for stores whose backend may keep versions (s3): read-only bucket-level
   * calls, never an error (what cannot be read is `unknown`). Drivers whose deletes simply remove leave it out.
   */
  describeDeletes?(opts?: CallOptions): Promise<DeleteBehaviour>;
  /** Proves the backend is usable: Anchore's init checks plus a probe write/read/delete. */
  selfCheck(opts?: SelfCheckOptions): Promise<void>;
  /** Releases clients and sockets. The driver is unusable afterwards. */
  close(): Promise<void>;
}
