/**
 * `objectstorage check CONFIG [--analysis-archive]`: anchore-manager's check. Stores a test document through
 * the configured store (bucket `anchorecliconfigtest`), reads it back, deletes it, and confirms it is gone.
 * Exit 5 when the round trip fails, like anchore-manager.
 */
import type { Command } from 'commander';
import { catalogIdentity, createPgMetadataStore, type CatalogIdentity } from '../catalog';
import { taskQueueFor } from '../shared/migration';
import { loadStoreConfig, redactStoreConfig } from '../config';
import { createObjectStoreManager, type ObjectStoreManager } from '../drivers/manager';
import { createDriver } from '../drivers/registry';
import { ConfigError, ObjectStoreCheckFailedError } from '../errors';
import { createLogger } from '../logger';
import { withCatalog } from './catalog-connection';
import type { GlobalOptions } from './globals';
import { createOutput } from './output';

const TEST_USER = 'test';
const TEST_BUCKET = 'anchorecliconfigtest';
const TEST_IDS = ['cliconfigtest', 'cliconfigtest2'];

export function registerCheck(program: Command, globals: () => GlobalOptions): void {
  program
    .command('check')
    .description('store, read back and delete a test document through the store a config describes')
    .argument('<config>', 'Anchore config.yaml to check')
    .option(
      '--analysis-archive',
      'check the analysis_archive section (falls back to the object store, as Anchore does)',
    )
    .addHelpText(
      'after',
      '\nThe catalog database comes from --db-connect, ANCHORE_DB_CONNECT or ANCHORE_DB_HOST/PORT/USER/PASSWORD/NAME.\n' +
        'Exit codes: 0 the store works, 1 config or connection error, 5 the test document did not round-trip.',
    )
    .action(async (file: string, opts: { analysisArchive?: boolean }) => {
      await runCheck(file, opts.analysisArchive === true, globals());
    });
}

/** Runs the check; throws a named error on failure. */
export async function runCheck(file: string, analysisArchive: boolean, g: GlobalOptions): Promise<void> {
  const out = createOutput(g.json);
  const log = createLogger(g.logLevel);
  const loaded = await loadStoreConfig(file, { analysisArchive, env: process.env });
  for (const w of loaded.warnings) out.warn(w);
  log.debug(`loaded ${loaded.sectionPath} from ${file}`, { config: redactStoreConfig(loaded.config) });
  await withCatalog(g, async (pool) => {
    const driver = createDriver(loaded.config.storage_driver, { pool });
    try {
      await driver.selfCheck();
      log.debug(`${driver.name} self-check passed at ${driver.location}`);
      const manager = createObjectStoreManager(
        driver,
        loaded.config.compression,
        createPgMetadataStore(pool),
      );
      const latencyMs = await roundTrip(manager);
      const identity = await catalogIdentity(pool);
      const summary = {
        file,
        section: loaded.sectionPath,
        fellBackToObjectStore: loaded.fellBackToObjectStore,
        driver: loaded.config.storage_driver.name,
        location: driver.location,
        config: redactStoreConfig(loaded.config),
        roundTripMs: latencyMs,
        catalog: identity ?? null,
        result: 'ok',
      };
      out.result(summary);
      out.line(
        `Config section: ${summary.section}${loaded.fellBackToObjectStore ? ' (no analysis_archive section: the object store is used)' : ''}`,
      );
      out.line(`Driver:         ${summary.driver}`);
      out.line(`Location:       ${summary.location}`);
      out.line(`Round trip:     ${latencyMs} ms (put, get, delete of ${TEST_USER}/${TEST_BUCKET})`);
      out.line(`Catalog:        ${describeIdentity(identity)}`);
      out.line('Object storage check: success');
    } finally {
      await driver.close();
    }
  });
}

/** The catalog's identity as `check` prints it: what names its workers' task queue, and whether it moved. */
function describeIdentity(identity: CatalogIdentity | undefined): string {
  if (!identity) return 'no identity yet (the first migrate or worker creates it)';
  const moved = identity.movedSinceCreated
    ? '; restored, upgraded or switched over since (the identity, task queue and workflow ids stay)'
    : '';
  return (
    `identity ${identity.id} (task queue ${taskQueueFor(identity.id)}, tables at schema version ` +
    `${identity.schemaVersion}, created ${identity.createdAt.toISOString()}${moved})`
  );
}

/** Anchore's test: pick a free id, put, get and compare, delete, confirm it is gone. Returns milliseconds. */
export async function roundTrip(manager: ObjectStoreManager): Promise<number> {
  let id: string | undefined;
  for (const candidate of TEST_IDS) {
    if (!(await manager.exists(TEST_USER, TEST_BUCKET, candidate))) {
      id = candidate;
      break;
    }
  }
  if (!id) {
    throw new ConfigError(
      `test documents ${TEST_IDS.join(' and ')} already exist in bucket ${TEST_BUCKET}; a previous check was interrupted. ` +
        `Delete their archive_metadata rows (userId '${TEST_USER}', bucket '${TEST_BUCKET}') and run check again.`,
    );
  }
  const data = Buffer.from(`clitesting at ${new Date().toISOString()}`);
  const started = performance.now();
  await manager.put(TEST_USER, TEST_BUCKET, id, data);
  let back: Buffer | undefined;
  try {
    back = await manager.get(TEST_USER, TEST_BUCKET, id);
  } finally {
    await manager.delete(TEST_USER, TEST_BUCKET, id);
  }
  const elapsed = Math.round(performance.now() - started);
  if (!back?.equals(data)) {
    throw new ObjectStoreCheckFailedError('the test document read back differs from what was written');
  }
  if (await manager.exists(TEST_USER, TEST_BUCKET, id)) {
    throw new ObjectStoreCheckFailedError('the test document still exists after delete');
  }
  return elapsed;
}
