/** Targets of issue 6, evaluated on one run's figures, and the results files (markdown + JSON). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';

export interface Target {
  readonly name: string;
  readonly value: number | undefined;
  readonly unit: string;
  readonly target: string;
  readonly pass: boolean | undefined;
  readonly note?: string;
}

export function target(
  name: string,
  value: number | undefined,
  unit: string,
  targetText: string,
  ok: (v: number) => boolean,
  note?: string,
): Target {
  const usable = value !== undefined && Number.isFinite(value);
  return {
    name,
    value: usable ? value : undefined,
    unit,
    target: targetText,
    pass: usable ? ok(value) : undefined,
    ...(note ? { note } : {}),
  };
}

const fmt = (v: number | undefined, digits = 2): string =>
  v === undefined ? 'n/a' : Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(digits);

export interface Figure {
  readonly name: string;
  readonly documents?: number;
  readonly seconds?: number;
  readonly docsPerSecond?: number;
  readonly mibPerSecond?: number;
  readonly note?: string;
}

/** Writes `<stamp>.md` and `.json`. */
export async function writeResults(
  dir: string,
  stamp: string,
  r: {
    machine: unknown;
    versions: Record<string, string>;
    settings: unknown;
    figures: Figure[];
    targets: Target[];
    details: unknown;
    errors: string[];
    observations: string[];
  },
): Promise<{ md: string; json: string }> {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, `${stamp}.json`);
  const md = join(dir, `${stamp}.md`);
  // Formatted as `prettier --check .` (make lint) expects, with the repository's .prettierrc.
  const pretty = async (text: string, filepath: string): Promise<string> =>
    format(text, { ...((await resolveConfig(filepath)) ?? {}), filepath });
  writeFileSync(json, await pretty(JSON.stringify(r), json));
  const m = r.machine as {
    nproc: number;
    cpu: string;
    memoryMiB: number;
    loadStart: number[];
    loadEnd?: number[];
  };
  const lines = [
    `# Benchmark ${stamp}`,
    '',
    `Machine: ${m.nproc} CPUs (${m.cpu}), ${m.memoryMiB} MiB RAM, load average at start ${m.loadStart.join(' ')}, at end ${(m.loadEnd ?? []).join(' ')}.`,
    `Versions: ${Object.entries(r.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join('; ')}.`,
    '',
    '```json',
    JSON.stringify(r.settings),
    '```',
    '',
    '## Targets (ratios within this run)',
    '',
    '| target | measured | goal | result |',
    '| --- | --- | --- | --- |',
    ...r.targets.map(
      (t) =>
        `| ${t.name} | ${fmt(t.value)} ${t.unit} | ${t.target} | ${t.pass === undefined ? 'NOT MEASURED' : t.pass ? 'PASS' : 'MISS'}${t.note ? ` (${t.note})` : ''} |`,
    ),
    '',
    '## Figures',
    '',
    '| run | documents | seconds | docs/s | MiB/s | note |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    ...r.figures.map(
      (f) =>
        `| ${f.name} | ${f.documents ?? ''} | ${fmt(f.seconds, 1)} | ${fmt(f.docsPerSecond, 1)} | ${fmt(f.mibPerSecond, 1)} | ${f.note ?? ''} |`,
    ),
    '',
    ...(r.observations.length ? ['## Observations', '', ...r.observations.map((o) => `- ${o}`), ''] : []),
    ...(r.errors.length ? ['## Errors', '', ...r.errors.map((e) => `- ${e}`), ''] : []),
    `Details (sweep, per-run workers' RSS, history events per run, S3 requests, SQL counters, profiles): ${stamp}.json`,
    '',
  ];
  writeFileSync(md, await pretty(lines.join('\n'), md));
  return { md, json };
}
