/** Anchore config.yaml store sections: schema, `${ANCHORE...}` substitution, loading, redaction, secrets. */
export {
  DRIVER_NAMES,
  compressionSchema,
  dbConfigSchema,
  isDriverName,
  localfsConfigSchema,
  s3ConfigSchema,
  storageDriverSchema,
  storeConfigSchema,
  swiftConfigSchema,
} from './schema';
export type {
  CompressionConfig,
  DriverName,
  LocalfsConfig,
  S3Config,
  StorageDriverConfig,
  StorageDriverFor,
  StoreConfig,
  SwiftConfig,
} from './schema';
export {
  ANCHORE_ENV_FILE,
  anchoreVariables,
  containsAnchoreReference,
  isAnchoreReference,
  readEnvFile,
  referencedVariables,
  replaceAnchoreReferences,
  substituteAnchoreVars,
} from './substitute';
export { STORE_CONFIG_DEFAULTS, normalizeStoreConfig, validateStoreConfig } from './validate';
export type { NormalizedStoreSection } from './validate';
export { loadStoreConfig, parseStoreConfigText } from './load';
export type { LoadStoreConfigOptions, LoadedStoreConfig } from './load';
export type { StoreSection } from './warnings';
export {
  REDACTED,
  isSecretKey,
  isSecretPath,
  redactDeep,
  redactStoreConfig,
  redactUrl,
  redactValue,
  registerConfigSecrets,
  registerSecret,
  scrubSecrets,
  urlPassword,
} from './redact';
export type { RedactedStoreConfig } from './redact';
export {
  SECRET_KEY_ENV,
  isSealed,
  parseSealingKey,
  sealSecret,
  sealingKeyFromEnv,
  unsealSecret,
} from './seal';
export type { SealingKey } from './seal';
export { resolvePortableStoreConfig, toPortableStoreConfig } from './secrets';
export type { PortableStoreConfig } from './secrets';
