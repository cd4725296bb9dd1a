/**
 * What `objectstorage demo-data` does (the command is registered in demo-data.ts): writes synthetic documents
 * through the stores a config describes (the same managers Anchore's bytes come from), or reads them all back and
 * compares them with what the seed generates.
 */
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

/** The options of demo-data. */
export interface DemoDataOptions {
  documents: number;
  seed: string;
  accounts: number;
  analysisArchive?: boolean;
  initSchema?: boolean;
  concurrency: number;
  verify?: boolean;
}

export async function runDemoData(file: string, opts: DemoDataOptions, g: GlobalOptions): Promise<void> {
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
