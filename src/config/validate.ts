/**
 * Anchore's `normalize_config` and our validation of its result, with every problem reported at once in
 * operator words (`services.catalog.object_store.storage_driver.config.bucket: Required`).
 */
import type { z } from 'zod';

import { ConfigValidationError, UnknownDriverError } from '../errors';
import { DRIVER_NAMES, isDriverName, storeConfigSchema } from './schema';
import type { StoreConfig } from './schema';
import { formatPath, isPlainObject, valueAt } from './tree';

/** Anchore's defaults for a store section (`subsys/object_store/config.py:default_config`). */
export const STORE_CONFIG_DEFAULTS = {
  compression: { enabled: false, min_size_kbytes: 100 },
  storage_driver: { name: 'db', config: {} },
} as const;

/** A store section after normalization, before validation. */
export interface NormalizedStoreSection {
  compression: unknown;
  storage_driver: unknown;
}

/**
 * Anchore's `normalize_config`: the defaults with the given `compression` and `storage_driver` shallow-merged
 * over them; other keys of the section are ignored. A non-mapping value is kept as given so that validation
 * names it (Anchore would crash on it).
 */
export function normalizeStoreConfig(section: Record<string, unknown>): NormalizedStoreSection {
  return {
    compression: mergeOverDefaults(STORE_CONFIG_DEFAULTS.compression, section, 'compression'),
    storage_driver: mergeOverDefaults(STORE_CONFIG_DEFAULTS.storage_driver, section, 'storage_driver'),
  };
}

function mergeOverDefaults(defaults: object, section: Record<string, unknown>, key: string): unknown {
  const fresh = structuredClone(defaults);
  if (!(key in section)) return fresh;
  const given = section[key];
  return isPlainObject(given) ? { ...fresh, ...given } : given;
}

/**
 * Validates a normalized store section.
 * @param basePath YAML path of the section, prefixed to every reported path (e.g. `services.catalog.archive`).
 * @throws UnknownDriverError when `storage_driver.name` is not an Anchore driver name.
 * @throws ConfigValidationError listing every other invalid path.
 */
export function validateStoreConfig(normalized: unknown, basePath: string, file?: string): StoreConfig {
  const driver = isPlainObject(normalized) ? normalized.storage_driver : undefined;
  if (isPlainObject(driver) && !isDriverName(driver.name)) {
    const name = typeof driver.name === 'string' ? driver.name : JSON.stringify(driver.name ?? null);
    throw new UnknownDriverError(name, DRIVER_NAMES);
  }
  const result = storeConfigSchema.safeParse(normalized);
  if (result.success) return result.data;
  const issues = result.error.issues.map(
    (issue) =>
      `${formatPath(basePath, issue.path)}: ${describeIssue(issue, valueAt(normalized, pathOf(issue)))}`,
  );
  throw new ConfigValidationError([...new Set(issues)], file);
}

function pathOf(issue: z.core.$ZodIssue): (string | number)[] {
  return issue.path.filter((p): p is string | number => typeof p !== 'symbol');
}

// Values are never shown: a field in the wrong place may hold a secret.
function describeIssue(issue: z.core.$ZodIssue, actual: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      if (actual === undefined) return 'Required';
      return `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${kindOf(actual)}${hint(issue.expected, actual)}`;
    case 'too_small':
      if (issue.origin === 'string') return 'must not be empty';
      return `must be ${issue.inclusive === false ? 'greater than' : 'at least'} ${String(issue.minimum)}`;
    case 'too_big':
      return `must be ${issue.inclusive === false ? 'less than' : 'at most'} ${String(issue.maximum)}`;
    default:
      return issue.message;
  }
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
};

function kindOf(value: unknown): string {
  if (value === null) return 'nothing (an empty value)';
  if (Array.isArray(value)) return 'a list';
  if (isPlainObject(value)) return 'a mapping';
  if (typeof value === 'boolean') return 'a boolean';
  if (typeof value === 'number') return Number.isFinite(value) ? 'a number' : 'a non-finite number';
  if (typeof value === 'string') return 'a string';
  return value instanceof Date ? 'a date' : typeof value;
}

function hint(expected: string, actual: unknown): string {
  if (expected === 'string' && (typeof actual === 'number' || typeof actual === 'boolean')) {
    return ' (quote the value in the YAML so that it stays text)';
  }
  if (expected === 'boolean' && typeof actual === 'string') return ' (write true or false without quotes)';
  return '';
}
