/** The preflight of commands that start a migration: the catalog role's privileges, before anything is written. */
import type { Pool } from 'pg';
import { checkPrivileges, migrationNeeds } from '../catalog/privileges';
import type { StoreSide } from './migration-setup';

/** Throws a CatalogPrivilegeError (with the GRANTs to run) when the role cannot run a migration of these stores. */
export async function checkMigrationPrivileges(
  pool: Pool,
  command: string,
  from: StoreSide,
  to: StoreSide,
): Promise<void> {
  const drivers = [from.loaded.config.storage_driver.name, to.loaded.config.storage_driver.name];
  await checkPrivileges(pool, command, migrationNeeds(drivers));
}
