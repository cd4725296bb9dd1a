/** Addresses of the dev stack (scripts/stack.sh), overridable like the script itself. */
export const stackEnv = {
  pgAdminUrl: process.env.OBJECTSTORAGE_TEST_PG ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
  s3Endpoint: process.env.OBJECTSTORAGE_S3_ENDPOINT ?? `http://127.0.0.1:${process.env.S3_PORT ?? '7070'}`,
  /** SeaweedFS (scripts/seaweedfs.sh), a second S3 server with the same credentials. */
  s3bEndpoint:
    process.env.OBJECTSTORAGE_S3B_ENDPOINT ?? `http://127.0.0.1:${process.env.SEAWEED_PORT ?? '7090'}`,
  s3AccessKey: process.env.S3_ACCESS_KEY ?? 'objectstorage-dev',
  s3SecretKey: process.env.S3_SECRET_KEY ?? 'objectstorage-dev-secret',
  swiftAuthUrl: `http://127.0.0.1:${process.env.SWIFT_PORT ?? '7080'}/auth/v1.0`,
  swiftUser: 'test:tester',
  swiftKey: process.env.SWIFT_KEY ?? 'objectstorage-dev-swift',
  temporalAddress: process.env.TEMPORAL_ADDRESS ?? `127.0.0.1:${process.env.TEMPORAL_PORT ?? '7233'}`,
  temporalUiUrl: `http://127.0.0.1:${process.env.TEMPORAL_UI_PORT ?? '8233'}`,
};

/** The tool cache scripts/ensure-tools.sh builds into (same default directory). */
function toolsDir(): string {
  return (
    process.env.OBJECTSTORAGE_TOOLS_DIR ??
    `${process.env.XDG_CACHE_HOME ?? `${process.env.HOME ?? ''}/.cache`}/anchore-objectstorage/bin`
  );
}

/** The Temporal CLI of the tool cache. */
export function temporalBin(): string {
  return `${toolsDir()}/temporal`;
}

/** Helm of the tool cache, for the chart under deploy/helm. */
export function helmBin(): string {
  return `${toolsDir()}/helm`;
}
