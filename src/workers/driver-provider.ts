/**
 * Drivers for the store configs of workflow inputs, built once per config and process. Secrets are resolved
 * here, on the worker, from its own environment (`${ANCHORE_*}` references) or by unsealing with its
 * OBJECTSTORAGE_SECRET_KEY; they never travel back.
 */
import { hostname } from 'node:os';
import type { Pool } from 'pg';
import type { DriverProvider } from '../activities/deps';
// Not the config barrel: its YAML loader is not needed in a copy thread (docs/adr/0009).
import { isDriverName } from '../config/schema';
import { resolvePortableStoreConfig } from '../config/secrets';
import { createDriver } from '../drivers/registry';
import type { ObjectStoreDriver } from '../drivers/types';
import { UnknownDriverError, UnsetVariableError } from '../errors';
import type { PortableStore } from '../shared/migration';

/** Names this worker in an unset-variable error: the fault is in its environment, not the CLI's shell. */
function inWorkerEnvironment<T>(resolve: () => T): T {
  try {
    return resolve();
  } catch (err) {
    if (err instanceof UnsetVariableError)
      throw new UnsetVariableError(err.variables, undefined, `${hostname()} pid ${process.pid}`);
    throw err;
  }
}

export function createDriverProvider(pool: Pool, env: NodeJS.ProcessEnv = process.env): DriverProvider {
  const cache = new Map<string, ObjectStoreDriver>();
  return {
    driverFor(store: PortableStore): ObjectStoreDriver {
      const id = JSON.stringify(store);
      const cached = cache.get(id);
      if (cached) return cached;
      const { name } = store.storage_driver;
      if (!isDriverName(name)) throw new UnknownDriverError(name, ['db', 'db2', 'localfs', 's3', 'swift']);
      const config = inWorkerEnvironment(() =>
        resolvePortableStoreConfig(
          {
            compression: {
              enabled: store.compression.enabled === true,
              min_size_kbytes: store.compression.min_size_kbytes,
            },
            storage_driver: { name, config: { ...store.storage_driver.config } },
          },
          env,
        ),
      );
      const driver = createDriver(config.storage_driver, { pool });
      cache.set(id, driver);
      return driver;
    },
    async close() {
      await Promise.all([...cache.values()].map((d) => d.close()));
      cache.clear();
    },
  };
}
