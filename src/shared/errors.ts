/** Names of errors that retrying cannot fix (workflow-safe: used in retry policies). */
export const PERMANENT_ERROR_NAMES = [
  'BadCredentialsError',
  'BucketNotFoundError',
  'DriverConfigurationError',
  'UnknownDriverError',
  'UnknownFilesInDataDirError',
  'DataDirMissingError',
  'DataDirNotSharedError',
  'ConfigError',
  'ConfigValidationError',
  'UnsetVariableError',
  'SecretUnsealError',
  'CatalogMismatchError',
  'GuardRefusedError',
  'CatalogPrivilegeError',
] as const;
