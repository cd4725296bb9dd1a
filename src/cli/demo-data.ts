/**
 * `objectstorage demo-data CONFIG`: fills an empty catalog with synthetic, Anchore-shaped documents through the
 * stores CONFIG describes (the same managers Anchore's bytes come from), or with `--verify` reads them all back
 * and compares them with what the seed generates.
 */
import type { Command } from 'commander';
import type { Pool } from 'pg';
import {
  catalogConnectError,
  catalogEndpoint,
  checkCatalog,
  createAnchoreSchema,
  createCatalogPool,
  resolveCatalogUrl,
} from '../catalog';
import {
  DemoCatalogNotEmptyError,
  DemoVerifyFailedError,
  metadataRowCount,
  storedBucketStats,
  verifyDemoData,
  writeDemoData,
} from '../demo';
import { bucketSummaries, bucketTable } from '../demo/report';
import { formatBytes } from '../shared/bytes';
import { loadDemoConfigs, openDemoStores, type DemoStores, type OpenStore } from '../demo/stores';
import { registerDbPassword } from './db-secrets';
import type { GlobalOptions } from './globals';
import { createOutput, type Output } from './output';
import { positiveInt } from './parse';

interface DemoDataOptions {
  documents: number;
  seed: string;
  accounts: number;
  analysisArchive?: boolean;
  initSchema?: boolean;
  concurrency: number;
  verify?: boolean;
}

export function registerDemoData(program: Command, globals: () => GlobalOptions): void {
  program
    .command('demo-data')
    .description('write synthetic Anchore documents into an empty catalog through a config (for demos)')
    .argument('<config>', 'Anchore config.yaml whose store(s) receive the documents')
    .option('--documents <n>', 'number of documents', positiveInt('--documents'), 20_000)
    .option('--seed <s>', 'same seed, same keys and bytes', '1')
    .option('--accounts <n>', 'number of accounts (userIds)', positiveInt('--accounts'), 5)
    .option('--analysis-archive', 'only analysis-archive tarballs (to demo --from-analysis-archive)')
    .option('--init-schema', "create Anchore's object-store tables first if they are missing")
    .option('--concurrency <n>', 'writes (or reads) in flight', positiveInt('--concurrency'), 8)
    .option('--verify', 'read every document back through CONFIG and compare it with the generated one')
    .addHelpText(
      'after',
      '\nDocuments of bucket analysis_archive go to the analysis_archive section of CONFIG (else the object\n' +
        'store), all others to object_store / archive, as Anchore stores them. With compression enabled, 30% of\n' +
        'the documents are written with compression off, as if stored before it was enabled.\n' +
        'demo-data refuses a catalog that already has archive_metadata rows: it never overwrites or deletes.\n' +
        '--verify takes the same --documents/--seed/--accounts/--analysis-archive as the run that wrote the data.\n' +
        'Exit codes: 0 success, 1 config/catalog error or non-empty catalog, 5 --verify found a difference.',
    )
    .action(async (file: string, opts: DemoDataOptions) => {
      await runDemoData(file, opts, globals());
    });
}

async function runDemoData(file: string, opts: DemoDataOptions, g: GlobalOptions): Promise<void> {
  const out = createOutput(g.json);
  const configs = await loadDemoConfigs(file);
  for (const w of [...configs.objectStore.warnings, ...configs.analysisArchive.warnings]) out.warn(w);
  const db = resolveCatalogUrl(g.dbConnect, process.env);
  registerDbPassword(db.url);
  const pool = createCatalogPool(db.url, opts.concurrency + 2);
  try {
    if (opts.initSchema)
      await createAnchoreSchema(pool).catch((err) => Promise.reject(catalogConnectError(err, db.url)));
    await checkCatalog(pool, db.url);
    const stores = openDemoStores(configs, pool);
    try {
      const plan = {
        seed: opts.seed,
        documents: opts.documents,
        accounts: opts.accounts,
        analysisArchiveOnly: opts.analysisArchive === true,
      };
      if (opts.verify) await verify(out, stores, plan, opts.concurrency * 2, pool);
      else await generate(out, stores, plan, opts.concurrency, pool, catalogEndpoint(db.url));
    } finally {
      await stores.close();
    }
  } finally {
    await pool.end();
  }
}

type Plan = { seed: string; documents: number; accounts: number; analysisArchiveOnly: boolean };

function storeLine(label: string, s: OpenStore): string {
  const fallback = s.loaded.fellBackToObjectStore ? ' (no analysis_archive section: the object store)' : '';
  return `${label}${s.loaded.sectionPath}${fallback}: ${s.driver.name} ${s.driver.location}`;
}

async function generate(
  out: Output,
  stores: DemoStores,
  plan: Plan,
  concurrency: number,
  pool: Pool,
  where: string,
) {
  const existing = await metadataRowCount(pool);
  if (existing > 0) throw new DemoCatalogNotEmptyError(where, existing);
  await stores.selfCheck();
  const started = performance.now();
  const generated = await writeDemoData({
    ...plan,
    storeFor: stores.storeFor,
    concurrency,
    onProgress: (n) => {
      if (!out.json) process.stderr.write(`  ${n} / ${plan.documents} documents\n`);
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const rows = bucketSummaries(generated, await storedBucketStats(pool));
  const documents = rows.reduce((a, r) => a + r.documents, 0);
  const logical = rows.reduce((a, r) => a + r.logicalBytes, 0);
  out.result({ ...plan, catalog: where, seconds: Number(seconds.toFixed(2)), documents, buckets: rows });
  out.line(storeLine('Object store:     ', stores.objectStore));
  out.line(storeLine('Analysis archive: ', stores.analysisArchive));
  out.line(
    `Wrote ${documents} documents (${formatBytes(logical)}) for ${plan.accounts} account(s), seed "${plan.seed}", ` +
      `into ${where} in ${seconds.toFixed(1)} s (${Math.round(documents / seconds)} documents/s)`,
  );
  out.line('');
  for (const line of bucketTable(rows)) out.line(line);
}

async function verify(out: Output, stores: DemoStores, plan: Plan, concurrency: number, pool: Pool) {
  const started = performance.now();
  const r = await verifyDemoData({ ...plan, managerFor: (b) => stores.storeFor(b).current, concurrency });
  const seconds = (performance.now() - started) / 1000;
  const rows = await metadataRowCount(pool);
  const ok = r.matched === r.expected;
  out.result({
    ...plan,
    ...r,
    catalogRows: rows,
    seconds: Number(seconds.toFixed(2)),
    result: ok ? 'ok' : 'failed',
  });
  out.line(storeLine('Object store:     ', stores.objectStore));
  out.line(storeLine('Analysis archive: ', stores.analysisArchive));
  out.line(
    `Read back ${r.matched} of ${r.expected} generated documents intact in ${seconds.toFixed(1)} s ` +
      `(missing ${r.missing}, different ${r.different}, unreadable ${r.unreadable}; catalog rows ${rows})`,
  );
  for (const p of r.problems) out.line(`  ${p}`);
  if (!ok) {
    throw new DemoVerifyFailedError(
      `${r.expected - r.matched} of ${r.expected} documents did not read back intact through the config`,
    );
  }
  out.line('Demo data verified: every document reads back identical to what was generated.');
}
