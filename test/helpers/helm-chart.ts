/**
 * Rendering and reading the Helm chart in tests: `helm` from the tool cache with its own empty config, cache and
 * data directories (no local repository setting counts), `helm template` parsed into typed manifests, and the
 * lookups the chart's test asserts with (a flag's value, a variable's Secret, the Secret behind a mounted file).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { helmBin } from './stack-env';

export const CHART = join(__dirname, '..', '..', 'deploy', 'helm', 'anchore-objectstorage');
const RELEASE = 'os';
const NAMESPACE = 'anchore';

export interface SecretKeyRef {
  name: string;
  key: string;
}
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: SecretKeyRef };
}
export interface Probe {
  httpGet?: { path: string; port: string | number };
}
export interface VolumeMount {
  name: string;
  mountPath: string;
  subPath?: string;
  readOnly?: boolean;
}
export interface Container {
  name: string;
  args?: string[];
  env?: EnvVar[];
  ports?: { name: string; containerPort: number }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: {
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[] };
  };
  volumeMounts?: VolumeMount[];
}
export interface Volume {
  name: string;
  emptyDir?: object;
  secret?: { secretName: string; items?: { key: string; path: string }[] };
}
export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  terminationGracePeriodSeconds?: number;
  restartPolicy?: string;
  serviceAccountName?: string;
}
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: {
    replicas?: number;
    backoffLimit?: number;
    ttlSecondsAfterFinished?: number;
    podFailurePolicy?: { rules: { action: string; onExitCodes?: { operator: string; values: number[] } }[] };
    selector?: { matchLabels?: Record<string, string> } & Record<string, string>;
    template?: { metadata?: { labels?: Record<string, string> }; spec: PodSpec };
    maxUnavailable?: number | string;
    unhealthyPodEvictionPolicy?: string;
    ports?: { name: string; port: number; targetPort: string | number }[];
    endpoints?: { port: string; path: string }[];
  };
}

export interface HelmOutput {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs helm commands; `close()` removes its directories. */
export interface Helm {
  run(args: string[]): Promise<HelmOutput>;
  close(): void;
}

/** Helm of the tool cache in a directory of its own. */
export function isolatedHelm(): Helm {
  const home = mkdtempSync(join(tmpdir(), 'helm-chart-test-'));
  const env = {
    PATH: '/usr/bin:/bin',
    HOME: home,
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
  };
  return {
    async run(args) {
      try {
        const { stdout, stderr } = await promisify(execFile)(helmBin(), args, { env, encoding: 'utf8' });
        return { code: 0, stdout, stderr };
      } catch (err) {
        const e = err as { code?: number; stdout?: string; stderr?: string };
        return {
          code: typeof e.code === 'number' ? e.code : -1,
          stdout: e.stdout ?? '',
          stderr: e.stderr ?? '',
        };
      }
    },
    close: () => rmSync(home, { recursive: true, force: true }),
  };
}

/** `helm template` of a ci/ values file (and --set flags), its output parsed into manifests. */
export async function render(
  helm: Helm,
  valuesFile: string,
  set: string[] = [],
): Promise<{ text: string; manifests: Manifest[] }> {
  const out = await templateOutput(helm, valuesFile, set);
  expect({ code: out.code, stderr: out.stderr }).toEqual({ code: 0, stderr: '' });
  const docs = parseAllDocuments(out.stdout);
  const errors = docs.flatMap((d) => d.errors.map((e) => e.message));
  expect(errors).toEqual([]);
  const manifests = docs.map((d) => d.toJS() as Manifest | null).filter((m): m is Manifest => m !== null);
  return { text: out.stdout, manifests };
}

/** `helm template` of a ci/ values file with `--set` (and `--set-json`) flags. */
export function templateOutput(
  helm: Helm,
  valuesFile: string,
  set: string[] = [],
  setJson: string[] = [],
): Promise<HelmOutput> {
  return helm.run([
    'template',
    RELEASE,
    CHART,
    '--namespace',
    NAMESPACE,
    '--values',
    join(CHART, 'ci', valuesFile),
    ...set.flatMap((s) => ['--set', s]),
    ...setJson.flatMap((s) => ['--set-json', s]),
  ]);
}

/** The manifests of one kind. */
export function ofKind(manifests: Manifest[], kind: string): Manifest[] {
  return manifests.filter((m) => m.kind === kind);
}

/** The one manifest of `kind`; there must be exactly one. */
export function only(manifests: Manifest[], kind: string): Manifest {
  const found = ofKind(manifests, kind);
  expect({ kind, count: found.length }).toEqual({ kind, count: 1 });
  return found[0] as Manifest;
}

/** The pod template's spec of a Deployment or Job. */
export function podSpec(m: Manifest): PodSpec {
  const spec = m.spec?.template?.spec;
  if (!spec) throw new Error(`${m.kind} ${m.metadata.name} has no pod template`);
  return spec;
}

/** The worker Deployment's pod spec and its one container. */
export function workerPod(manifests: Manifest[]): { pod: PodSpec; worker: Container } {
  const pod = podSpec(only(manifests, 'Deployment'));
  expect(pod.containers.map((c) => c.name)).toEqual(['worker']);
  return { pod, worker: pod.containers[0] as Container };
}

/** The value after `flag` in `args`; the flag must be there exactly once. */
export function flagValue(args: string[] | undefined, flag: string): string | undefined {
  const at = (args ?? []).flatMap((a, i) => (a === flag ? [i] : []));
  expect({ flag, times: at.length }).toEqual({ flag, times: 1 });
  return args?.[(at[0] ?? 0) + 1];
}

/** A container's variables by name; each name must appear once. */
export function envOf(c: Container): Map<string, EnvVar> {
  const names = (c.env ?? []).map((e) => e.name);
  expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  return new Map((c.env ?? []).map((e) => [e.name, e]));
}

/** The Secret a variable comes from; it must not have a literal value. */
export function secretRefOf(c: Container, name: string): SecretKeyRef | undefined {
  const v = envOf(c).get(name);
  expect({ name, literal: v?.value }).toEqual({ name, literal: undefined });
  return v?.valueFrom?.secretKeyRef;
}

/** Which Secret key backs the file at `path` in container `c`: through its mount (subPath or directory) and volume. */
export function fileFromSecret(pod: PodSpec, c: Container, path: string): SecretKeyRef | undefined {
  for (const m of c.volumeMounts ?? []) {
    const inVolume = m.subPath
      ? m.mountPath === path && m.subPath
      : path.startsWith(`${m.mountPath}/`) && posix.relative(m.mountPath, path);
    if (!inVolume) continue;
    expect({ path, readOnly: m.readOnly }).toEqual({ path, readOnly: true });
    const secret = pod.volumes?.find((v) => v.name === m.name)?.secret;
    // Without items every key of the Secret is a file of its name.
    const key = secret?.items ? secret.items.find((i) => i.path === inVolume)?.key : inVolume;
    return secret && key ? { name: secret.secretName, key } : undefined;
  }
  return undefined;
}

/** "256Mi", "1Gi" → MiB. */
export function mebibytes(quantity: string | undefined): number {
  const m = /^(\d+)(Mi|Gi)$/.exec(quantity ?? '');
  if (!m) throw new Error(`unexpected memory quantity ${quantity}`);
  return Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1);
}

/** Every container of every pod template, init containers first. */
export function allContainers(
  manifests: Manifest[],
): { owner: string; pod: PodSpec; container: Container }[] {
  return manifests
    .filter((m) => m.spec?.template?.spec)
    .flatMap((m) => {
      const pod = podSpec(m);
      return [...(pod.initContainers ?? []), ...pod.containers].map((container) => ({
        owner: `${m.kind}/${m.metadata.name}`,
        pod,
        container,
      }));
    });
}
