/** Top self-time functions and packages of V8 .cpuprofile files (node --cpu-prof), for the bottleneck list. */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  hitCount?: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

export interface ProfileSummary {
  readonly file: string;
  readonly sampledSeconds: number;
  readonly topFunctions: Array<{ name: string; percent: number }>;
  readonly byPackage: Array<{ name: string; percent: number }>;
}

const where = (url: string): string => {
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1] as string;
  if (url.includes('/lib/')) return `objectstorage ${url.slice(url.lastIndexOf('/lib/') + 5)}`;
  if (url.startsWith('node:')) return url;
  return url === '' ? '(vm)' : 'other';
};

export function summarizeProfile(file: string, top = 15): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: ProfileNode[];
    startTime: number;
    endTime: number;
  };
  const total = p.nodes.reduce((n, x) => n + (x.hitCount ?? 0), 0) || 1;
  const fns = new Map<string, number>();
  const pkgs = new Map<string, number>();
  for (const n of p.nodes) {
    const hits = n.hitCount ?? 0;
    if (!hits) continue;
    const f = n.callFrame;
    const name =
      `${f.functionName || '(anonymous)'} ${f.url ? `${where(f.url)}:${f.lineNumber + 1}` : ''}`.trim();
    fns.set(name, (fns.get(name) ?? 0) + hits);
    const pkg = f.url ? where(f.url) : f.functionName;
    pkgs.set(pkg, (pkgs.get(pkg) ?? 0) + hits);
  }
  const rank = (m: Map<string, number>): Array<{ name: string; percent: number }> =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, hits]) => ({ name, percent: Math.round((hits / total) * 1000) / 10 }));
  return {
    file,
    sampledSeconds: (p.endTime - p.startTime) / 1e6,
    topFunctions: rank(fns),
    byPackage: rank(pkgs),
  };
}
