/**
 * `localfs` driver (Anchore's FilesystemObjectStorageDriver): files at
 * `<archive_data_dir>/<md5(userId)>/<bucket>/<md5(key)[0:2]>/<md5(key)>.json`, URI `file://<that path>`.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { mkdir, open, readFile, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, isAbsolute } from 'node:path';
import {
  DataDirMissingError,
  DataDirNotSharedError,
  DriverConfigurationError,
  UnknownFilesInDataDirError,
  UriParseError,
} from '../errors';
import { probeRoundTrip } from './self-check';
import { uriRest } from './uri';
import { perObjectCalls } from './per-object';
import { mapLimit, md5Hex, md5OfStream, throwIfAborted } from './util';
import type { DocumentRef, ListedObject, ObjectStat, ObjectStoreDriver } from './types';

export const DRIVER_NAME = 'localfs';

/** Options of the localfs driver (Anchore's `storage_driver.config`). */
export interface LocalfsDriverOptions {
  /** Absolute data directory. Anchore's URL parsing breaks on a relative one. */
  readonly archiveDataDir: string;
  /** Files read or written at once by batch calls. @default 16 */
  readonly parallelism?: number;
}

/** Anchore accepts a top-level entry whose name starts with 32 hex characters (anchore-storage.md §11.5). */
const USER_DIR = /^[0-9a-fA-F]{32}/;

/** Migration markers at the top of the data directory: named so that Anchore's start-up check accepts them. */
const MARKER_PREFIX = `${md5Hex('anchore-objectstorage')}.migration-`;

/** Python's os.path.join of the data dir and a relative path. */
function joinDataDir(dir: string, rest: string): string {
  return dir.endsWith('/') ? `${dir}${rest}` : `${dir}/${rest}`;
}

/** The file path Anchore uses for `ref` under `dir`. */
export function localfsPath(dir: string, ref: DocumentRef): string {
  const keyHash = md5Hex(ref.key);
  return joinDataDir(dir, `${md5Hex(ref.userId)}/${ref.bucket}/${keyHash.slice(0, 2)}/${keyHash}.json`);
}

/** Creates the localfs driver. The data dir is checked (and created, as Anchore does) by `selfCheck`. */
export function createLocalfsDriver(options: LocalfsDriverOptions): ObjectStoreDriver {
  const dir = options.archiveDataDir;
  if (!isAbsolute(dir)) {
    throw new DriverConfigurationError(
      `archive_data_dir must be an absolute path, got "${dir}"`,
      DRIVER_NAME,
    );
  }
  const parallelism = options.parallelism ?? 16;
  const root = joinDataDir(dir, '');
  const pathOf = (uri: string): string => {
    const path = uriRest(uri, 'file');
    if (!path.startsWith('/')) throw new UriParseError(uri, 'expected file:///<absolute path>');
    // A `..` would resolve outside the data directory, where a delete must never reach.
    if (path.split('/').some((segment) => segment === '..' || segment === '.') || !path.startsWith(root))
      throw new UriParseError(uri, `the path leaves archive_data_dir ${dir}`);
    return path;
  };
  let dirSeen = false;
  /** The data directory must exist already: created only by check and the self-check, as Anchore does. */
  const requireDataDir = async (): Promise<void> => {
    if (dirSeen) return;
    const s = await stat(dir).catch(() => undefined);
    if (!s?.isDirectory()) throw new DataDirMissingError(dir);
    dirSeen = true;
  };
  const read = async (uri: string): Promise<Buffer | undefined> => {
    try {
      return await readFile(pathOf(uri));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  };

  const put: ObjectStoreDriver['put'] = async (ref, data, opts) => {
    throwIfAborted(opts?.signal);
    const path = localfsPath(dir, ref);
    await requireDataDir();
    await mkdir(dirname(path), { recursive: true });
    await writeDurably(path, data);
    return `file://${path}`;
  };
  const del: ObjectStoreDriver['delete'] = async (uri, opts) => {
    throwIfAborted(opts?.signal);
    await rm(pathOf(uri), { force: true });
  };
  const putStream: NonNullable<ObjectStoreDriver['putStream']> = async (ref, body, opts) => {
    throwIfAborted(opts?.signal);
    const path = localfsPath(dir, ref);
    await requireDataDir();
    await mkdir(dirname(path), { recursive: true });
    await writeDurably(path, body, opts?.signal);
    return `file://${path}`;
  };
  const openRead: NonNullable<ObjectStoreDriver['openRead']> = async (uri) => {
    const file = await open(pathOf(uri), 'r').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    return file?.createReadStream();
  };

  const markerOf = (id: string): string => `${MARKER_PREFIX}${id.replace(/[^A-Za-z0-9_-]/g, '_')}`;

  const driver: ObjectStoreDriver = {
    async markShared(id) {
      await requireDataDir();
      await writeDurably(
        joinDataDir(dir, markerOf(id)),
        Buffer.from(`written by ${hostname()} pid ${process.pid}\n`),
      );
    },
    async checkShared(id) {
      await requireDataDir();
      const s = await stat(joinDataDir(dir, markerOf(id))).catch(() => undefined);
      if (!s?.isFile()) throw new DataDirNotSharedError(dir, markerOf(id));
    },
    async unmarkShared(id) {
      await rm(joinDataDir(dir, markerOf(id)), { force: true });
    },
    name: DRIVER_NAME,
    scheme: 'file',
    supportsCompression: true,
    location: `file://${joinDataDir(dir, '')}`,
    uriFor: (ref) => `file://${localfsPath(dir, ref)}`,
    put,
    delete: del,
    putStream,
    openRead,
    ...perObjectCalls(read, { put, delete: del }, parallelism),
    async statMany(uris, opts) {
      const out = new Map<string, ObjectStat>();
      // The md5 of what is on disk: reading a local file costs little, and a size alone proves nothing.
      const stat1 = async (uri: string): Promise<void> => {
        const path = pathOf(uri);
        const s = await stat(path).catch(() => undefined);
        if (s?.isFile()) {
          const md5 = await md5OfFile(path).catch(() => undefined);
          if (md5 !== undefined) out.set(uri, { size: s.size, md5 });
        }
      };
      await mapLimit(uris, parallelism, stat1, opts?.signal);
      return out;
    },
    async *listObjects(opts) {
      const root = joinDataDir(dir, '');
      // Paths are built by concatenation like uriFor's, never normalized, so they compare equal to content URLs.
      for await (const path of walkFiles(root, opts?.signal)) {
        if (path.slice(root.length).startsWith(MARKER_PREFIX)) continue; // ours, not a document
        const s = await stat(path).catch(() => undefined);
        if (!s) continue; // removed since the directory was read
        // `<md5(userId)>/<bucket>/…`: the bucket is readable, userId and key are hashed away.
        const bucket = path.slice(root.length).split('/')[1];
        const listed: ListedObject = { uri: `file://${path}`, size: s.size, ...(bucket ? { bucket } : {}) };
        yield listed;
      }
    },
    async exists(uri, opts) {
      throwIfAborted(opts?.signal);
      return stat(pathOf(uri)).then(
        (s) => s.isFile(),
        () => false,
      );
    },
    async selfCheck(opts) {
      if (opts?.createDataDir === false) await requireDataDir();
      await checkDataDir(dir);
      try {
        const ref = await probeRoundTrip(driver, opts);
        await removeEmptyParents(localfsPath(dir, ref), dir);
      } catch (err) {
        if ((err as Error).name === 'SelfCheckFailedError') throw err;
        throw new DriverConfigurationError(
          `cannot write to archive_data_dir ${dir}: ${(err as Error).message}`,
          DRIVER_NAME,
          {
            cause: err,
          },
        );
      }
    },
    async close() {},
  };
  return driver;
}

/**
 * Write, fsync, rename, fsync the directory: a reader or a crash never sees half a document, and once this
 * returns the document survives a power loss — its source may be deleted next.
 */
async function writeDurably(path: string, data: Buffer | Readable, signal?: AbortSignal): Promise<void> {
  const tmp = `${path}.tmp-${randomUUID()}`;
  const file = await open(tmp, 'w');
  try {
    if (Buffer.isBuffer(data)) await file.writeFile(data);
    else
      for await (const chunk of data) {
        throwIfAborted(signal);
        await file.write(chunk as Buffer);
      }
    await file.sync();
  } catch (err) {
    await file.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
  await file.close();
  await rename(tmp, path);
  const parent = await open(dirname(path), 'r');
  try {
    await parent.sync();
  } finally {
    await parent.close();
  }
}

/** md5 (hex) of a file's bytes, read as a stream. */
async function md5OfFile(path: string): Promise<string> {
  return (await md5OfStream(createReadStream(path))).md5;
}

/** Anchore's init check: create the dir if missing, refuse it if it holds entries Anchore does not write. */
export async function checkDataDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    const unknown = (await readdir(dir)).filter((name) => !USER_DIR.test(name));
    if (unknown.length > 0) throw new UnknownFilesInDataDirError(dir, unknown);
  } catch (err) {
    if ((err as Error).name === 'UnknownFilesInDataDirError') throw err;
    throw new DriverConfigurationError(
      `archive_data_dir ${dir} is not usable: ${(err as Error).message}`,
      DRIVER_NAME,
      {
        cause: err,
      },
    );
  }
}

/** Regular files under `dir` (ending with `/`), depth first, one directory's entries in memory per level. None if `dir` is absent. */
async function* walkFiles(dir: string, signal?: AbortSignal): AsyncGenerator<string> {
  throwIfAborted(signal);
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const path = `${dir}${e.name}`;
    if (e.isDirectory()) yield* walkFiles(`${path}/`, signal);
    else if (e.isFile()) yield path;
  }
}

/** Removes the probe's now-empty directories up to (not including) the data dir. */
async function removeEmptyParents(file: string, dir: string): Promise<void> {
  for (let d = dirname(file); d.length > joinDataDir(dir, '').length; d = dirname(d)) {
    try {
      await rmdir(d);
    } catch {
      return; // not empty (real documents live there) or already gone
    }
  }
}
