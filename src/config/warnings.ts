/**
 * Problems in a store config that Anchore accepts but that will hurt: printed by `check`/`plan`, never fatal.
 */
import type { StoreConfig } from './schema';
import { isPlainObject } from './tree';
import type { NormalizedStoreSection } from './validate';

/** Which YAML key under `services.catalog` a store config was read from. */
export type StoreSection = 'object_store' | 'archive' | 'analysis_archive';

// Python's urlparse lowercases the hostname, and stops it at these characters.
const BREAKS_URL_HOST = /[:/@?#\s\\[\]]/;

/**
 * Warnings for a store config.
 * @param given the section exactly as written in the file (before normalization).
 */
export function storeConfigWarnings(
  section: StoreSection,
  sectionPath: string,
  given: Record<string, unknown>,
  normalized: NormalizedStoreSection,
  config: StoreConfig,
): string[] {
  const warnings: string[] = [];
  if (section === 'analysis_archive') warnings.push(...unnormalizedKeys(sectionPath, given));

  const enabled = isPlainObject(normalized.compression) ? normalized.compression.enabled : undefined;
  if (enabled !== undefined && typeof enabled !== 'boolean') {
    warnings.push(
      `${sectionPath}.compression.enabled is ${typeof enabled === 'string' ? `the string "${enabled}"` : 'not a boolean'}: ` +
        'Anchore compresses only when it is the YAML boolean true, so compression is off. Write `enabled: true` ' +
        '(no quotes) to turn it on, or `enabled: false` to say so.',
    );
  }
  const driverPath = `${sectionPath}.storage_driver`;
  const driver = config.storage_driver;
  if (config.compression.enabled && driver.name === 'db') {
    warnings.push(
      `${sectionPath}.compression.enabled has no effect: the db driver never stores compressed data.`,
    );
  }
  if (driver.name === 's3') {
    warnings.push(...hostWarnings(`${driverPath}.config.bucket`, driver.config.bucket, 's3'));
    warnings.push(...prefixWarnings(`${driverPath}.config.prefix`, driver.config.prefix));
  }
  if (driver.name === 'swift') {
    warnings.push(...hostWarnings(`${driverPath}.config.container`, driver.config.container, 'swift'));
    warnings.push(
      ...prefixWarnings(`${driverPath}.config.anchore_key_prefix`, driver.config.anchore_key_prefix),
    );
  }
  return warnings;
}

// Anchore's catalog uses an analysis_archive section as written, without normalization (§11.8).
function unnormalizedKeys(sectionPath: string, given: Record<string, unknown>): string[] {
  const compression = isPlainObject(given.compression) ? given.compression : undefined;
  const driver = isPlainObject(given.storage_driver) ? given.storage_driver : undefined;
  const missing = [
    ...(compression ? [] : ['compression']),
    ...(compression && !('enabled' in compression) ? ['compression.enabled'] : []),
    ...(compression?.enabled === true && !('min_size_kbytes' in compression)
      ? ['compression.min_size_kbytes']
      : []),
    ...(driver ? [] : ['storage_driver']),
    ...(driver && !('name' in driver) ? ['storage_driver.name'] : []),
  ];
  if (missing.length === 0) return [];
  return [
    `${sectionPath} has no ${missing.join(', ')}: Anchore's catalog uses this section as written, without ` +
      'defaults, and then fails every analysis-archive write (or fails to start). Write the complete section ' +
      '(compression: {enabled: false, min_size_kbytes: 100} and storage_driver: {name, config}).',
  ];
}

function hostWarnings(path: string, name: string, scheme: string): string[] {
  const warnings: string[] = [];
  if (name !== name.toLowerCase()) {
    warnings.push(
      `${path} "${name}" has upper-case letters: Anchore reads documents back by parsing ${scheme}://${name}/... ` +
        `URLs, and Python's urlparse lowercases that part, so its reads would look in "${name.toLowerCase()}".`,
    );
  }
  if (BREAKS_URL_HOST.test(name)) {
    warnings.push(
      `${path} "${name}" contains a character (: / @ ? # \\ [ ] or space) that breaks the ${scheme}:// URLs ` +
        'Anchore writes; it could not read those documents back.',
    );
  }
  return warnings;
}

// Anchore adds no separator after the prefix (§2.1): `internaltest` gives keys `internaltestadmin/...`.
function prefixWarnings(path: string, prefix: string): string[] {
  if (prefix === '' || prefix.endsWith('/')) return [];
  return [
    `${path} "${prefix}" does not end with "/": Anchore adds no separator, so keys look like ` +
      `"${prefix}admin/<bucket>/<key>". That works, but is rarely what was meant.`,
  ];
}
