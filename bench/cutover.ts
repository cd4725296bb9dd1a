/**
 * The near-zero-downtime row (issue 23): a catalog is staged (`objectstorage stage`) while an Anchore-like
 * writer rewrites 1% and adds 0.5% of its documents through Anchore's own write path (object, then the row's
 * upsert), most of it during the first pass and the rest after the last pass, the moment before Anchore is
 * stopped; then `objectstorage cutover`. Reports the offline window cutover prints (its guard passing to its
 * last switch) and the command's wall time, for the run to set beside an offline `migrate` of the same data.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createPgMetadataStore } from '../src/catalog';
import { createDbDriver } from '../src/drivers/db';
import { createObjectStoreManager } from '../src/drivers/manager';
import type { BenchCatalog } from './catalog';
import { docBody, docRef } from './dataset';
import { startWorkers, type MigrateOptions } from './migrate';
import { BIN } from './processes';

const run = promisify(execFile);

export interface CutoverRun {
  readonly documents: number;
  readonly rewrites: number;
  readonly adds: number;
  /** Of those, written after the last pass, just before the cutover. */
  readonly lastMoment: number;
  /** Seconds from `stage` to the cutover being requested, and the delta passes done by then. */
  readonly stagedSeconds: number;
  readonly passes: number;
  /** How long the last delta pass's query took over the whole catalog (its pages not included). */
  readonly lastPassSeconds?: number;
  readonly offlineWindowSeconds: number;
  /** Where the window went: the drain, the bulk switch, moving what was still at the source. */
  readonly windowParts: string;
  /** Wall time of `objectstorage cutover` (with its deletes, after the window). */
  readonly cutoverSeconds: number;
  readonly cutoverExitCode: number;
  readonly finished?: Record<string, unknown>;
}

type Options = Pick<MigrateOptions, 'documents' | 'from' | 'to' | 'env' | 'workers' | 'logDir' | 'log'> & {
  readonly cat: BenchCatalog;
};

const sec = (ms: number | undefined): string => (ms === undefined ? '?' : (ms / 1000).toFixed(2));

/** The JSON lines of a `--json` command's stdout. */
const events = (stdout: string): Array<Record<string, unknown>> =>
  stdout
    .split('\n')
    .filter((l) => l.trim().startsWith('{"event"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

export async function measureCutover(o: Options): Promise<CutoverRun> {
  const { workers } = await startWorkers({ ...o, label: 'cutover' });
  try {
    const t0 = Date.now();
    const staged = await run(BIN, ['--json', 'stage', o.from, o.to, '--detach', '--pass-every', '5'], {
      env: o.env,
    });
    const taskId = Number(events(staged.stdout).find((e) => e.event === 'started')?.taskId);
    if (!taskId) throw new Error(`stage did not start: ${staged.stdout} ${staged.stderr}`);
    o.log(`  cutover: staging migration ${taskId} of ${o.documents} documents`);
    // Anchore's db store with its default compression (dbConfig): what Anchore on the source config writes.
    const anchore = createObjectStoreManager(
      createDbDriver(o.cat.pool),
      { enabled: false, min_size_kbytes: 100 },
      createPgMetadataStore(o.cat.pool),
    );
    const rewrites = Math.round(o.documents * 0.01);
    const adds = Math.round(o.documents * 0.005);
    const writes = [
      ...Array.from({ length: rewrites }, (_, k) => ({ i: (k * 7919) % o.documents, body: o.documents + k })),
      ...Array.from({ length: adds }, (_, k) => ({ i: o.documents + k, body: o.documents + k })),
    ];
    const write = async (w: { i: number; body: number }): Promise<void> => {
      const ref = docRef(w.i);
      await anchore.put(ref.userId, ref.bucket, ref.key, docBody(w.body, 'main'));
    };
    const lastMoment = Math.ceil(writes.length / 10);
    for (const w of writes.slice(0, writes.length - lastMoment)) await write(w);
    const { passes, passMs } = await untilPasses(o.env, taskId, 2);
    for (const w of writes.slice(writes.length - lastMoment)) await write(w);
    const stagedSeconds = (Date.now() - t0) / 1000;
    o.log(`  cutover: ${passes} passes after ${stagedSeconds.toFixed(0)} s; stop Anchore, cut over`);
    const t1 = Date.now();
    const cut = await run(BIN, ['--json', 'cutover', String(taskId), '--dontask'], { env: o.env }).catch(
      (err: { code?: number; stdout?: string; stderr?: string }) => ({
        stdout: err.stdout ?? '',
        stderr: err.stderr ?? '',
        code: err.code ?? 1,
      }),
    );
    const cutoverSeconds = (Date.now() - t1) / 1000;
    const finished = events(cut.stdout).find((e) => e.event === 'finished');
    const parts = finished?.cutover as
      { offlineWindowMs?: number; drainMs?: number; bulkSwitchMs?: number; restMs?: number } | undefined;
    const window = parts?.offlineWindowMs;
    const code = 'code' in cut ? Number(cut.code) : 0;
    if (window === undefined)
      throw new Error(`cutover printed no offline window: ${cut.stdout} ${cut.stderr}`);
    return {
      documents: o.documents,
      rewrites,
      adds,
      lastMoment,
      stagedSeconds,
      passes,
      ...(passMs === undefined ? {} : { lastPassSeconds: passMs / 1000 }),
      offlineWindowSeconds: window / 1000,
      windowParts: `drain ${sec(parts?.drainMs)} s, bulk switch ${sec(parts?.bulkSwitchMs)} s, the rest ${sec(parts?.restMs)} s`,
      cutoverSeconds,
      cutoverExitCode: code,
      ...(finished ? { finished } : {}),
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}

/** Waits until the staged migration has done `passes` delta passes; returns them and the last one's duration. */
async function untilPasses(
  env: Record<string, string>,
  taskId: number,
  passes: number,
): Promise<{ passes: number; passMs?: number }> {
  for (;;) {
    const r = await run(BIN, ['--json', 'status', String(taskId)], { env });
    const s = JSON.parse(r.stdout) as {
      progress?: { staging?: { passes: number; lastDelta?: { passMs?: number } } };
      workflow?: string;
    };
    const done = s.progress?.staging?.passes ?? 0;
    const passMs = s.progress?.staging?.lastDelta?.passMs;
    if (done >= passes) return passMs === undefined ? { passes: done } : { passes: done, passMs };
    if (s.workflow !== undefined && s.workflow !== 'RUNNING')
      throw new Error(`staged migration ${taskId} ended: ${r.stdout}`);
    await new Promise((res) => setTimeout(res, 2000));
  }
}
