/**
 * Zod schemas of a normalized Anchore store config (`services.catalog.object_store`, legacy `archive`, or
 * `analysis_archive`). Config types come only from `z.infer` of these schemas.
 */
import { posix } from 'node:path';

import { z } from 'zod';

import { containsAnchoreReference } from './substitute';
import { isPlainObject } from './tree';

/** Anchore's driver config names (`storage_driver.name`). There is no `rdbms` or `legacy_db`. */
export const DRIVER_NAMES = ['db', 'db2', 'localfs', 's3', 'swift'] as const;

/** One of {@link DRIVER_NAMES}. */
export type DriverName = (typeof DRIVER_NAMES)[number];

/** True when `value` is one of Anchore's driver names (exact, case-sensitive, as Anchore's registry). */
export function isDriverName(value: unknown): value is DriverName {
  return DRIVER_NAMES.some((name) => name === value);
}

// A value that is still a `${ANCHORE...}` reference is checked once substituted. Validated configs never
// hold one (leftovers are refused first); `LoadedStoreConfig.raw` does, and is checked with these schemas.
const unresolved = (value: string): boolean => containsAnchoreReference(value);

function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * `compression`. Anchore compresses only when `enabled is True`, so any value is accepted and only the YAML
 * boolean `true` enables it: the string `"true"` leaves compression off, as in Anchore (the loader warns).
 */
export const compressionSchema = z.looseObject({
  /** @default false */
  enabled: z.unknown().transform((value) => value === true),
  /** Documents strictly larger than this many KiB are zlib-compressed. @default 100 */
  min_size_kbytes: z.number().min(0),
});

// YAML `config:` with nothing after it is null. The db drivers never read it; for the others an empty
// mapping lets every missing key be reported by name.
const driverConfig = <T extends z.ZodType>(schema: T) => z.preprocess((value) => value ?? {}, schema);

/** `db` and `db2` read nothing from their config; any keys are kept. */
export const dbConfigSchema = z.looseObject({});

/** `localfs`: documents are files under `archive_data_dir`. */
export const localfsConfigSchema = z.looseObject({
  archive_data_dir: z
    .string()
    .min(1)
    .refine((dir) => dir === '' || posix.isAbsolute(dir) || unresolved(dir), {
      message:
        'must be an absolute path: Anchore writes file://<archive_data_dir>/... content URLs and a relative ' +
        'directory breaks its own parsing of them',
    }),
});

/** `s3`: AWS S3 or an S3-compatible server (MinIO, Ceph, ...). */
export const s3ConfigSchema = z
  .looseObject({
    bucket: z.string().min(1),
    access_key: z.string().optional(),
    secret_key: z.string().optional(),
    /** Use the AWS default credential chain (instance role, AWS_* variables) instead of keys. */
    iamauto: z.boolean().optional(),
    /** Endpoint of an S3-compatible server; takes precedence over `region`. */
    url: z
      .string()
      .refine((url) => isHttpUrl(url) || unresolved(url), {
        message: 'must be an http:// or https:// URL, such as https://minio.example.com:9000',
      })
      .optional(),
    region: z.string().min(1).optional(),
    /** @default false */
    create_bucket: z.boolean().default(false),
    /** Prepended to `<account>/<bucket>/<key>` with no separator. @default "" */
    prefix: z.string().default(''),
  })
  .check(
    z.refine((c) => (Boolean(c.access_key) && Boolean(c.secret_key)) || c.iamauto === true, {
      path: ['access_key'],
      message:
        'no credentials: set both access_key and secret_key, or iamauto: true to use the AWS default ' +
        'credential chain (instance role, AWS_* variables)',
      // Report missing credentials together with other problems (e.g. a missing bucket), not after them.
      when: (payload) => isPlainObject(payload.value),
    }),
  );

const authUrl = z
  .string()
  .refine((url) => isHttpUrl(url) || unresolved(url), {
    message:
      'must be an http:// or https:// URL, such as http://swift:8080/auth/v1.0 or https://keystone:5000/v3',
  })
  .optional();
// swiftclient fills missing legacy `auth`/`user`/`key` from the Keystone `os_*` names and vice versa.
const hasSwiftCredentials = (c: Record<string, unknown>): boolean =>
  [
    ['auth', 'os_auth_url'],
    ['user', 'os_username'],
    ['key', 'os_password'],
  ].every((names) =>
    names.some((n) => (typeof c[n] === 'string' || typeof c[n] === 'number') && c[n] !== ''),
  );

/**
 * `swift`: OpenStack Swift. Every key other than `container`, `create_container` and `anchore_key_prefix` goes
 * verbatim to python-swiftclient's `SwiftService(options=...)` (`user`/`auth`/`key`, or Keystone `auth_version`,
 * `os_username`, `os_password`, `os_project_name`, `os_project_domain_name`, `os_user_domain_name`,
 * `os_tenant_name`, `os_auth_url`, `os_region_name`), so unknown keys are kept. Credentials are checked the way
 * swiftclient combines them.
 */
export const swiftConfigSchema = z
  .looseObject({
    container: z.string().min(1),
    /** @default false */
    create_container: z.boolean().default(false),
    /** Prepended to `<account>/<bucket>/<key>` with no separator. @default "" */
    anchore_key_prefix: z.string().default(''),
    /** Legacy (v1, tempauth) auth URL, e.g. http://swift:8080/auth/v1.0. */
    auth: authUrl,
    /** Keystone URL, e.g. https://keystone:5000/v3. */
    os_auth_url: authUrl,
    auth_version: z.union([z.string(), z.number()]).optional(),
  })
  .check(
    z.refine((c) => hasSwiftCredentials(c), {
      path: ['auth'],
      message:
        'no credentials: set auth, user and key (v1/tempauth), or os_auth_url, os_username and os_password ' +
        '(Keystone; with os_project_name and the domain names for v3, os_tenant_name for v2.0)',
      when: (payload) => isPlainObject(payload.value),
    }),
  );

/** `storage_driver`, discriminated by `name`. */
export const storageDriverSchema = z.discriminatedUnion('name', [
  z.object({ name: z.literal('db'), config: driverConfig(dbConfigSchema) }),
  z.object({ name: z.literal('db2'), config: driverConfig(dbConfigSchema) }),
  z.object({ name: z.literal('localfs'), config: driverConfig(localfsConfigSchema) }),
  z.object({ name: z.literal('s3'), config: driverConfig(s3ConfigSchema) }),
  z.object({ name: z.literal('swift'), config: driverConfig(swiftConfigSchema) }),
]);

/** A normalized store config: `{ compression, storage_driver: { name, config } }`. */
export const storeConfigSchema = z.object({
  compression: compressionSchema,
  storage_driver: storageDriverSchema,
});

/** A validated, normalized store config. Narrow on `storage_driver.name` to get the driver's config type. */
export type StoreConfig = z.infer<typeof storeConfigSchema>;
/** `storage_driver` of a {@link StoreConfig}. */
export type StorageDriverConfig = StoreConfig['storage_driver'];
/** The `storage_driver` of a given driver. */
export type StorageDriverFor<N extends DriverName> = Extract<StorageDriverConfig, { name: N }>;
/** `compression` of a {@link StoreConfig}. */
export type CompressionConfig = z.infer<typeof compressionSchema>;
/** `storage_driver.config` of a `localfs` store. */
export type LocalfsConfig = z.infer<typeof localfsConfigSchema>;
/** `storage_driver.config` of an `s3` store. */
export type S3Config = z.infer<typeof s3ConfigSchema>;
/** `storage_driver.config` of a `swift` store. */
export type SwiftConfig = z.infer<typeof swiftConfigSchema>;
