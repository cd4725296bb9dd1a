/**
 * The keys Anchore (and, for swift, python-swiftclient) reads in a store section. Anchore ignores any other key,
 * so a misspelt one silently means a default (`storage_drvier:` is the db driver): we refuse it by name, with the
 * nearest valid key, rather than move documents on a guess.
 */
import type { DriverName } from './schema';
import { isDriverName } from './schema';
import { nearest } from '../shared/nearest';
import { isPlainObject } from './tree';

/** The section: Anchore's two keys, and keys its docs and Enterprise chart write there that it never reads. */
const SECTION_KEYS = ['compression', 'storage_driver', 'enabled', 'verify_content_digests', 'direct_access'];
const COMPRESSION_KEYS = ['enabled', 'min_size_kbytes'];
const STORAGE_DRIVER_KEYS = ['name', 'config'];

// python-swiftclient's SwiftService options (service.py _default_global_options and _default_local_options,
// and what get_conn reads besides): Anchore passes every other swift key to it verbatim.
const SWIFTCLIENT_OPTIONS = [
  'auth', 'auth_version', 'user', 'key', 'retries', 'retry_on_ratelimit', 'force_auth_retry', 'snet', 'verbose',
  'debug', 'info', 'os_username', 'os_user_id', 'os_user_domain_name', 'os_user_domain_id', 'os_password',
  'os_tenant_id', 'os_tenant_name', 'os_project_name', 'os_project_id', 'os_project_domain_name',
  'os_project_domain_id', 'os_auth_url', 'os_auth_token', 'os_auth_type', 'os_application_credential_id',
  'os_application_credential_secret', 'os_storage_url', 'os_region_name', 'os_service_type', 'os_endpoint_type',
  'os_cacert', 'os_cert', 'os_key', 'insecure', 'ssl_compression', 'segment_threads', 'object_dd_threads',
  'object_uu_threads', 'container_threads', 'timeout', 'starting_backoff', 'max_backoff', 'sync_to', 'sync_key',
  'use_slo', 'segment_size', 'segment_container', 'leave_segments', 'changed', 'skip_identical',
  'skip_container_put', 'version_id', 'yes_all', 'read_acl', 'write_acl', 'out_file', 'out_directory',
  'remove_prefix', 'no_download', 'long', 'totals', 'marker', 'header', 'meta', 'prefix', 'delimiter', 'versions',
  'fail_fast', 'human', 'dir_marker', 'checksum', 'shuffle', 'destination', 'fresh_metadata', 'ignore_mtime',
]; // prettier-ignore

/** What to list when an unknown key is not near any valid one (swiftclient's options are too many to print). */
const VALID_DRIVER_KEYS: Partial<Record<DriverName, string>> = {
  db: 'the db driver reads no config keys',
  db2: 'the db2 driver reads no config keys',
  swift:
    'valid: container, create_container, anchore_key_prefix, or a python-swiftclient option such as auth, ' +
    'user, key, auth_version, os_auth_url, os_username, os_password, os_project_name, os_region_name',
};

const DRIVER_CONFIG_KEYS: Record<DriverName, readonly string[]> = {
  db: [],
  db2: [],
  localfs: ['archive_data_dir'],
  s3: ['bucket', 'access_key', 'secret_key', 'iamauto', 'url', 'region', 'create_bucket', 'prefix'],
  swift: ['container', 'create_container', 'anchore_key_prefix', ...SWIFTCLIENT_OPTIONS],
};

/** One line per unknown key of the section as written (`given`, before normalization), none if all are known. */
export function unknownKeyIssues(given: Record<string, unknown>, sectionPath: string): string[] {
  const issues = unknown(given, SECTION_KEYS, sectionPath);
  if (isPlainObject(given.compression))
    issues.push(...unknown(given.compression, COMPRESSION_KEYS, `${sectionPath}.compression`));
  const driver = given.storage_driver;
  if (!isPlainObject(driver)) return issues;
  const driverPath = `${sectionPath}.storage_driver`;
  issues.push(...unknown(driver, STORAGE_DRIVER_KEYS, driverPath));
  if (isDriverName(driver.name) && isPlainObject(driver.config)) {
    const valid = DRIVER_CONFIG_KEYS[driver.name];
    issues.push(...unknown(driver.config, valid, `${driverPath}.config`, VALID_DRIVER_KEYS[driver.name]));
  }
  return issues;
}

function unknown(
  node: Record<string, unknown>,
  valid: readonly string[],
  path: string,
  validHint = `valid: ${valid.join(', ')}`,
): string[] {
  return Object.keys(node)
    .filter((key) => !valid.includes(key))
    .map((key) => {
      const near = nearest(key, valid);
      if (near) return `${path}.${key}: unknown key; did you mean ${near}?`;
      return `${path}.${key}: unknown key (${validHint})`;
    });
}
