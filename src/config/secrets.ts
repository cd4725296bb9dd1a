/**
 * Store configs as they travel in workflow inputs (design.md "Configs and secrets"): no secret in clear.
 * Each secret-bearing field is either a `${ANCHORE...}` reference that the worker resolves from its own
 * environment, or sealed with AES-256-GCM under `OBJECTSTORAGE_SECRET_KEY`.
 */
import { SecretNotSealableError, SecretUnsealError, UnsetVariableError } from '../errors';
import type { LoadedStoreConfig } from './load';
import { isSecretPath, registerConfigSecrets, urlPassword } from './redact';
import type { DriverName, StoreConfig } from './schema';
import { isSealed, SECRET_KEY_ENV, sealingKeyFromEnv, sealSecret, unsealSecret } from './seal';
import type { SealingKey } from './seal';
import {
  anchoreVariables,
  isAnchoreReference,
  referencedVariables,
  replaceAnchoreReferences,
} from './substitute';
import { formatPath, isPlainObject, mapLeaves, valueAt } from './tree';
import type { PathSegment } from './tree';
import { validateStoreConfig } from './validate';

/**
 * A store config safe to put in a workflow input: shaped like {@link StoreConfig}, but each secret field
 * (secret keys, passwords inside URLs) holds a `${ANCHORE...}` reference or a `sealed:v1:` value. The driver
 * config is validated again by {@link resolvePortableStoreConfig} once resolved.
 */
export interface PortableStoreConfig {
  compression: StoreConfig['compression'];
  storage_driver: { name: DriverName; config: Record<string, unknown> };
}

/**
 * Makes the workflow-input form of a loaded store config. A secret written as a `${ANCHORE...}` reference
 * (whole value, or whole URL password) stays a reference; any other secret is sealed under
 * `OBJECTSTORAGE_SECRET_KEY` from `env`. Non-secret fields keep their substituted values.
 * @throws SecretNotSealableError naming every literal secret when no key is set.
 * @throws ConfigError when the key is malformed.
 */
export function toPortableStoreConfig(
  loaded: LoadedStoreConfig,
  env: NodeJS.ProcessEnv = process.env,
): PortableStoreConfig {
  const key = sealingKeyFromEnv(env);
  const unsealable: string[] = [];
  const base = `${loaded.sectionPath}.storage_driver.config`;
  const raw: unknown = loaded.raw.storage_driver.config;
  const seal = (value: string, path: readonly PathSegment[]): string => {
    if (key) return sealSecret(value, key);
    unsealable.push(formatPath(base, path));
    return value;
  };
  const config = mapEntries(loaded.config.storage_driver.config, (leaf, path) => {
    const written = valueAt(raw, path);
    if (isSecretPath(path)) {
      if (leaf === undefined || leaf === null || leaf === '' || typeof leaf === 'boolean') return leaf;
      return isAnchoreReference(written) ? written : seal(String(leaf), path);
    }
    if (typeof leaf !== 'string' || urlPassword(leaf) === undefined) return leaf;
    const writtenPassword = typeof written === 'string' ? urlPassword(written) : undefined;
    return isAnchoreReference(writtenPassword) ? written : seal(leaf, path);
  });
  if (unsealable.length > 0) throw new SecretNotSealableError(unsealable);
  return {
    compression: { ...loaded.config.compression },
    storage_driver: { name: loaded.config.storage_driver.name, config },
  };
}

/**
 * The worker side: resolves `${ANCHORE...}` references from the worker's own environment (and its
 * `ANCHORE_ENV_FILE`), unseals `sealed:v1:` values with its `OBJECTSTORAGE_SECRET_KEY`, registers the
 * secrets with the log scrubber, and validates the result.
 * @throws UnsetVariableError listing every reference the worker's environment lacks.
 * @throws SecretUnsealError (no key, another key, or a tampered value).
 * @throws UnknownDriverError, ConfigValidationError (paths relative to the store config).
 */
export function resolvePortableStoreConfig(
  portable: PortableStoreConfig,
  env: NodeJS.ProcessEnv = process.env,
): StoreConfig {
  let vars: ReadonlyMap<string, string> | undefined;
  let key: SealingKey | undefined;
  const unset = new Set<string>();
  const resolved = mapLeaves(portable, (leaf) => {
    if (isSealed(leaf)) {
      key ??= sealingKeyFromEnv(env);
      if (!key) {
        throw new SecretUnsealError(
          `the store config holds sealed secrets but ${SECRET_KEY_ENV} is not set for this worker: set it to ` +
            'the same value as the CLI that started the migration.',
        );
      }
      return unsealSecret(leaf, key);
    }
    if (typeof leaf !== 'string' || referencedVariables(leaf).length === 0) return leaf;
    vars ??= anchoreVariables(env);
    const value = replaceAnchoreReferences(leaf, vars);
    for (const name of referencedVariables(value)) unset.add(name);
    return value;
  });
  if (unset.size > 0) throw new UnsetVariableError([...unset]);
  registerConfigSecrets(resolved);
  return validateStoreConfig(resolved, '');
}

// mapLeaves over a mapping, keeping the result typed as a mapping.
function mapEntries(
  record: Record<string, unknown>,
  fn: (leaf: unknown, path: readonly PathSegment[]) => unknown,
): Record<string, unknown> {
  const out = mapLeaves(record, fn);
  return isPlainObject(out) ? out : {};
}
