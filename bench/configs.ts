/** Anchore config.yaml files for the bench's stores; secrets stay `${ANCHORE_*}` references. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PREFIX } from './s3';
import type { Stack } from './stack';

const write = (dir: string, name: string, section: string): string => {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, `services:\n  catalog:\n    object_store:\n${section.replace(/^/gm, '      ')}\n`);
  return path;
};

export function dbConfig(dir: string): string {
  return write(
    dir,
    'db.yaml',
    'compression: {enabled: false, min_size_kbytes: 100}\nstorage_driver: {name: db, config: {}}',
  );
}

export function s3Config(dir: string, stack: Stack, bucket: string, minSizeKbytes: number): string {
  return write(
    dir,
    `s3-${bucket}.yaml`,
    `compression: {enabled: true, min_size_kbytes: ${minSizeKbytes}}
storage_driver:
  name: s3
  config:
    url: '${stack.s3Endpoint}'
    bucket: ${bucket}
    prefix: '${PREFIX}'
    create_bucket: true
    access_key: \${ANCHORE_S3_ACCESS}
    secret_key: \${ANCHORE_S3_SECRET}`,
  );
}

/**
 * The environment the CLI and workers get: a user's, nothing inherited but PATH, HOME, BENCH_NODE_OPTIONS and the
 * settings to compare (glibc's MALLOC_*, PGOPTIONS for PostgreSQL session settings such as statement logging).
 */
export function cliEnv(stack: Stack, catalogUrl: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    ANCHORE_DB_CONNECT: catalogUrl,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    OBJECTSTORAGE_TEMPORAL_UI: stack.uiBase,
    ANCHORE_S3_ACCESS: stack.s3AccessKey,
    ANCHORE_S3_SECRET: stack.s3SecretKey,
    ...(process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}),
    ...Object.fromEntries(
      Object.entries(process.env).filter(([k]) => k.startsWith('MALLOC_') || k === 'PGOPTIONS') as [
        string,
        string,
      ][],
    ),
  };
}
