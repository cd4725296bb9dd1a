/**
 * Driver construction from a validated store config (Anchore's `driver_utils.init_driver`), and the list of
 * drivers for `list-drivers`.
 */
import type { Pool } from 'pg';
import { DriverConfigurationError, UnknownDriverError } from '../errors';
import { createDbDriver } from './db';
import { createDb2Driver } from './db2';
import { createLocalfsDriver } from './localfs';
import { createS3Driver } from './s3';
import { createSwiftDriver } from './swift';
import { swiftAuthFromConfig } from './swift-auth';
import type { ObjectStoreDriver } from './types';

/** What the registry reads from a normalized `storage_driver` block. */
export interface StorageDriverSection {
  readonly name: string;
  readonly config: Readonly<Record<string, unknown>>;
}

/** Things drivers need that do not come from the config. */
export interface DriverDeps {
  /** Catalog pool; the db and db2 drivers store bodies in the catalog database. */
  readonly pool: Pool;
}

/** Anchore's driver names with what each stores, for `list-drivers`. */
export const DRIVERS = [
  {
    name: 'db',
    scheme: 'db',
    compression: false,
    description: 'catalog table archive_document (text; default driver)',
  },
  { name: 'db2', scheme: 'db2', compression: true, description: 'catalog table object_storage (bytea)' },
  { name: 'localfs', scheme: 'file', compression: true, description: 'files under archive_data_dir' },
  { name: 's3', scheme: 's3', compression: true, description: 'Amazon S3 or an S3-compatible server' },
  {
    name: 'swift',
    scheme: 'swift',
    compression: true,
    description: 'OpenStack Swift (tempauth v1 or Keystone v2.0/v3)',
  },
] as const;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Builds the driver a store config names. Does no I/O: call `selfCheck()` to verify the backend. */
export function createDriver(section: StorageDriverSection, deps: DriverDeps): ObjectStoreDriver {
  const c = section.config;
  switch (section.name) {
    case 'db':
      return createDbDriver(deps.pool);
    case 'db2':
      return createDb2Driver(deps.pool);
    case 'localfs': {
      const dir = str(c.archive_data_dir);
      if (!dir) throw new DriverConfigurationError('Configuration missing archive_data_dir', 'localfs');
      return createLocalfsDriver({ archiveDataDir: dir });
    }
    case 's3': {
      const bucket = str(c.bucket);
      if (!bucket) throw new DriverConfigurationError('Configuration missing bucket', 's3');
      const iamauto = c.iamauto === true;
      const accessKey = str(c.access_key);
      const secretKey = str(c.secret_key);
      if (!iamauto && !(accessKey && secretKey)) {
        throw new DriverConfigurationError(
          'Configuration needs access_key and secret_key, or iamauto: true',
          's3',
        );
      }
      return createS3Driver({
        bucket,
        prefix: str(c.prefix) ?? '',
        ...(iamauto ? {} : { accessKey, secretKey }),
        url: str(c.url),
        region: str(c.region),
        createBucket: c.create_bucket === true,
      });
    }
    case 'swift': {
      const container = str(c.container);
      if (!container) throw new DriverConfigurationError('Configuration missing container', 'swift');
      return createSwiftDriver({
        container,
        prefix: str(c.anchore_key_prefix) ?? '',
        createContainer: c.create_container === true,
        auth: swiftAuthFromConfig(c),
      });
    }
    default:
      throw new UnknownDriverError(
        section.name,
        DRIVERS.map((d) => d.name),
      );
  }
}
