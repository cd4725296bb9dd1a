/**
 * The Helm chart (deploy/helm/anchore-objectstorage) checked without a cluster: `helm lint --strict` and
 * `helm template` of every ci/ values file, the rendered manifests parsed and held to what the workers and the
 * migration Job need, and values.schema.json refusing what it should. Helm comes from the tool cache
 * (scripts/ensure-tools.sh); without it the suite fails.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  CHART,
  allContainers,
  envOf,
  fileFromSecret,
  flagValue,
  isolatedHelm,
  type Helm,
  mebibytes,
  ofKind,
  only,
  podSpec,
  render as renderWith,
  secretRefOf,
  templateOutput as templateWith,
  workerPod,
  type Manifest,
} from '../helpers/helm-chart';
import { helmBin } from '../helpers/stack-env';

const CI_FILES = readdirSync(join(CHART, 'ci'))
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const HELM = helmBin();
/** Variable names that carry credentials: they may only come from a Secret. */
const SECRET_NAME = /PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL|CONNECT/i;
/** The catalog variables the CLI reads (src/catalog/pool.ts), keys of Anchore's chart's Secret. */
const CATALOG_VARIABLES = [
  'ANCHORE_DB_HOST',
  'ANCHORE_DB_PORT',
  'ANCHORE_DB_USER',
  'ANCHORE_DB_PASSWORD',
  'ANCHORE_DB_NAME',
];
/** Worker peak RSS at the default budget, the highest `make bench` measured (bench/results/2026-12-02-100652.md). */
const MEASURED_PEAK_MIB = 240;

let helm: Helm;
beforeAll(() => {
  if (!existsSync(HELM))
    throw new Error(
      `${HELM} is missing: run scripts/ensure-tools.sh (make test does) to build Helm into the tool cache`,
    );
  helm = isolatedHelm();
});
afterAll(() => helm?.close());

const render = (file: string, set: string[] = []) => renderWith(helm, file, set);
const templateOutput = (file: string, set: string[] = [], setJson: string[] = []) =>
  templateWith(helm, file, set, setJson);

/** The chart's formula (templates/_helpers.tpl), restated so a change to it shows here. */
function derivedMemory(budgetMib: number): { request: number; limit: number } {
  const request = 160 + 6 * budgetMib;
  return { request, limit: Math.floor((request * 5) / 4) };
}

test('the tool cache`s Helm is v4', async () => {
  const out = await helm.run(['version', '--short']);
  expect({ code: out.code, version: out.stdout.trim() }).toEqual({
    code: 0,
    version: expect.stringMatching(/^v4\./),
  });
});

describe('every ci/ values file', () => {
  test.each(CI_FILES)('helm lint --strict passes with %s', async (file) => {
    const out = await helm.run(['lint', '--strict', CHART, '--values', join(CHART, 'ci', file)]);
    expect({ code: out.code, stdout: out.stdout }).toEqual({
      code: 0,
      stdout: expect.stringContaining('0 chart(s) failed'),
    });
  });

  test.each(CI_FILES)('%s renders manifests with no secret value in them', async (file) => {
    const { text, manifests } = await render(file);
    expect(manifests.length).toBeGreaterThanOrEqual(2);
    expect(manifests.map((m) => m.kind)).not.toContain('Secret');
    expect(manifests.map((m) => m.kind)).not.toContain('ConfigMap');
    for (const m of manifests) expect(m.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
    const containers = allContainers(manifests);
    expect(containers.length).toBeGreaterThanOrEqual(1);
    for (const { owner, container } of containers) {
      for (const e of container.env ?? []) {
        if (!SECRET_NAME.test(e.name)) continue;
        expect({
          owner,
          name: e.name,
          value: e.value,
          fromSecret: e.valueFrom?.secretKeyRef !== undefined,
        }).toEqual({ owner, name: e.name, value: undefined, fromSecret: true });
      }
      // A connection URL in a command line would carry its password into `ps` and the pod spec.
      expect({ owner, urls: (container.args ?? []).filter((a) => a.includes('://')) }).toEqual({
        owner,
        urls: [],
      });
      for (const name of CATALOG_VARIABLES) expect(secretRefOf(container, name)?.key).toBe(name);
    }
    expect(text).not.toMatch(/postgres(ql)?(\+\w+)?:\/\//);
  });
});

describe('workers with the defaults', () => {
  let manifests: Manifest[];
  beforeAll(async () => {
    manifests = (await render('default-values.yaml')).manifests;
  });

  test('run `objectstorage worker` with every flag once, listening on all interfaces in the pod', () => {
    const { worker } = workerPod(manifests);
    expect(worker.args?.[0]).toBe('worker');
    expect({
      concurrency: flagValue(worker.args, '--concurrency'),
      memoryBudget: flagValue(worker.args, '--memory-budget'),
      metricsPort: flagValue(worker.args, '--metrics-port'),
      metricsHost: flagValue(worker.args, '--metrics-host'),
      healthPort: flagValue(worker.args, '--health-port'),
      healthHost: flagValue(worker.args, '--health-host'),
      shutdownGrace: flagValue(worker.args, '--shutdown-grace'),
    }).toEqual({
      concurrency: '8',
      memoryBudget: '16',
      metricsPort: '9464',
      metricsHost: '0.0.0.0',
      healthPort: '8080',
      healthHost: '0.0.0.0',
      shutdownGrace: '30',
    });
    expect(only(manifests, 'Deployment').spec?.replicas).toBe(2);
  });

  test('probes: liveness on /healthz, readiness on /readyz, at the port --health-port opens', () => {
    const { worker } = workerPod(manifests);
    const portNumber = (p: string | number | undefined) =>
      typeof p === 'number' ? p : worker.ports?.find((x) => x.name === p)?.containerPort;
    const healthPort = Number(flagValue(worker.args, '--health-port'));
    expect({
      liveness: worker.livenessProbe?.httpGet?.path,
      livenessPort: portNumber(worker.livenessProbe?.httpGet?.port),
      readiness: worker.readinessProbe?.httpGet?.path,
      readinessPort: portNumber(worker.readinessProbe?.httpGet?.port),
    }).toEqual({
      liveness: '/healthz',
      livenessPort: healthPort,
      readiness: '/readyz',
      readinessPort: healthPort,
    });
  });

  test('the pod outlives the shutdown grace, so in-flight pages finish before the SIGKILL', () => {
    const { pod, worker } = workerPod(manifests);
    const grace = Number(flagValue(worker.args, '--shutdown-grace'));
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(grace);
  });

  test('catalog credentials from Anchore`s Secret, Temporal from TEMPORAL_*, nothing optional set', () => {
    const { worker } = workerPod(manifests);
    expect(secretRefOf(worker, 'ANCHORE_DB_PASSWORD')).toEqual({
      name: 'anchore-enterprise-env',
      key: 'ANCHORE_DB_PASSWORD',
    });
    expect(secretRefOf(worker, 'ANCHORE_DB_NAME')).toEqual({
      name: 'anchore-enterprise-env',
      key: 'ANCHORE_DB_NAME',
    });
    const env = envOf(worker);
    expect(env.get('TEMPORAL_ADDRESS')?.value).toMatch(/^[\w.-]+:\d+$/);
    expect(env.get('TEMPORAL_NAMESPACE')?.value).toBe('default');
    expect(env.get('ANCHORE_DB_SSL')?.value).toBe('false');
    const optional = [...env.keys()].filter((n) =>
      /^TEMPORAL_(TLS|API_KEY)|^OBJECTSTORAGE_SECRET_KEY$|_ACCESS_KEY$|^ANCHORE_DB_SSL_/.test(n),
    );
    expect(optional).toEqual([]);
  });

  test('run as the image`s non-root user on a read-only root filesystem, with a writable /tmp', () => {
    const { pod, worker } = workerPod(manifests);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(worker.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    const tmp = worker.volumeMounts?.find((m) => m.mountPath === '/tmp');
    expect(pod.volumes?.find((v) => v.name === tmp?.name)?.emptyDir).toEqual({});
  });

  test('memory follows the budget: the formula, above the measured peak at the default', () => {
    const { worker } = workerPod(manifests);
    const expected = derivedMemory(16);
    expect({
      request: mebibytes(worker.resources?.requests?.memory),
      limit: mebibytes(worker.resources?.limits?.memory),
      cpu: worker.resources?.requests?.cpu,
    }).toEqual({ ...expected, cpu: '500m' });
    expect(expected.request).toBeGreaterThanOrEqual(MEASURED_PEAK_MIB);
  });

  test('no Job, PodDisruptionBudget, metrics Service or ServiceMonitor unless asked; a ServiceAccount the pods use', () => {
    expect(manifests.map((m) => m.kind).sort()).toEqual(['Deployment', 'ServiceAccount']);
    expect(workerPod(manifests).pod.serviceAccountName).toBe(only(manifests, 'ServiceAccount').metadata.name);
  });
});

describe('worker resources', () => {
  test.each([4, 16, 64, 256])('budget %i MiB → requests and limits by the formula', async (budget) => {
    const { worker } = workerPod(
      (await render('default-values.yaml', [`worker.memoryBudgetMiB=${budget}`])).manifests,
    );
    expect(flagValue(worker.args, '--memory-budget')).toBe(String(budget));
    expect({
      request: mebibytes(worker.resources?.requests?.memory),
      limit: mebibytes(worker.resources?.limits?.memory),
    }).toEqual(derivedMemory(budget));
  });

  test('explicit fields win, the others still derive from the budget; the grace period follows the flag', async () => {
    const { pod, worker } = workerPod((await render('explicit-resources-values.yaml')).manifests);
    expect(flagValue(worker.args, '--memory-budget')).toBe('48');
    expect(flagValue(worker.args, '--concurrency')).toBe('16');
    expect(worker.resources).toEqual({
      requests: { cpu: '500m', memory: '1Gi' },
      limits: { cpu: '2', memory: `${derivedMemory(48).limit}Mi` },
    });
    expect(flagValue(worker.args, '--shutdown-grace')).toBe('120');
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(120);
  });
});

describe('Temporal and the catalog over TLS', () => {
  test('TEMPORAL_TLS_* point at files mounted from the named Secrets, the API key comes from a Secret', async () => {
    const { pod, worker } = workerPod((await render('tls-values.yaml')).manifests);
    const env = envOf(worker);
    expect(env.get('TEMPORAL_TLS')?.value).toBe('true');
    expect(env.get('TEMPORAL_TLS_SERVER_NAME')?.value).toBe('objectstorage.a1b2c.tmprl.cloud');
    const file = (name: string) => fileFromSecret(pod, worker, env.get(name)?.value ?? `(${name} unset)`);
    expect({
      cert: file('TEMPORAL_TLS_CLIENT_CERT_PATH'),
      key: file('TEMPORAL_TLS_CLIENT_KEY_PATH'),
      ca: file('TEMPORAL_TLS_SERVER_CA_CERT_PATH'),
    }).toEqual({
      cert: { name: 'temporal-client-tls', key: 'tls.crt' },
      key: { name: 'temporal-client-tls', key: 'tls.key' },
      ca: { name: 'temporal-server-ca', key: 'ca.crt' },
    });
    expect(secretRefOf(worker, 'TEMPORAL_API_KEY')).toEqual({ name: 'temporal-cloud', key: 'api-key' });
    expect(secretRefOf(worker, 'OBJECTSTORAGE_SECRET_KEY')).toEqual({
      name: 'objectstorage-sealing-key',
      key: 'OBJECTSTORAGE_SECRET_KEY',
    });
  });

  test('ANCHORE_DB_SSL* as Anchore`s chart sets them, the CA file from certStoreSecretName', async () => {
    const { pod, worker } = workerPod((await render('tls-values.yaml')).manifests);
    const env = envOf(worker);
    expect({ ssl: env.get('ANCHORE_DB_SSL')?.value, mode: env.get('ANCHORE_DB_SSL_MODE')?.value }).toEqual({
      ssl: 'true',
      mode: 'verify-full',
    });
    expect(fileFromSecret(pod, worker, env.get('ANCHORE_DB_SSL_ROOT_CERT')?.value ?? '(unset)')).toEqual({
      name: 'anchore-certs',
      key: 'rds-global-bundle.pem',
    });
  });

  test('a CA file without certStoreSecretName is refused', async () => {
    const out = await templateOutput('tls-values.yaml', ['certStoreSecretName=']);
    expect({ code: out.code, stderr: out.stderr }).toEqual({
      code: 1,
      stderr: expect.stringContaining('set certStoreSecretName'),
    });
  });
});

describe('the migration Job (osaaMigrationJob)', () => {
  const SOURCE = '/config/config.yaml';
  const DEST = '/config/dest-config.yaml';

  test('migrate: the object store, then the analysis archive, as Anchore`s Job runs them', async () => {
    const { manifests } = await render('migration-job-values.yaml');
    const job = only(manifests, 'Job');
    const pod = podSpec(job);
    const flags = [
      '--dontask',
      '--nodelete',
      '--verify',
      'full',
      '--concurrency',
      '16',
      '--log-level',
      'info',
    ];
    expect(pod.initContainers?.map((c) => c.args)).toEqual([['migrate', SOURCE, DEST, ...flags]]);
    expect(pod.containers.map((c) => c.args)).toEqual([
      ['migrate', '--to-analysis-archive', '--bucket', 'analysis_archive', SOURCE, DEST, ...flags],
    ]);
    for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
      expect(fileFromSecret(pod, c, SOURCE)).toEqual({ name: 'anchore-config-current', key: 'config.yaml' });
      expect(fileFromSecret(pod, c, DEST)).toEqual({ name: 'anchore-config-s3', key: 'dest-config.yaml' });
      expect(secretRefOf(c, 'ANCHORE_DB_PASSWORD')).toEqual({
        name: 'anchore-enterprise',
        key: 'ANCHORE_DB_PASSWORD',
      });
      expect(secretRefOf(c, 'ANCHORE_OBJECT_STORE_SECRET_KEY')).toEqual({
        name: 'anchore-s3-credentials',
        key: 'secret_key',
      });
      expect(secretRefOf(c, 'ANCHORE_OLD_S3_SECRET_KEY')).toEqual({
        name: 'old-s3-credentials',
        key: 'secret_key',
      });
    }
    // Workers resolve the store configs' ${ANCHORE_*} references from their own environment: they need them too.
    const { worker } = workerPod(manifests);
    expect(secretRefOf(worker, 'ANCHORE_OBJECT_STORE_ACCESS_KEY')).toEqual({
      name: 'anchore-s3-credentials',
      key: 'access_key',
    });
    expect(envOf(worker).has('ANCHORE_ANALYSIS_ARCHIVE_ACCESS_KEY')).toBe(false);
  });

  test('runs once as a Helm hook, never retries what cannot change, restarts nothing in place', async () => {
    const job = only((await render('migration-job-values.yaml')).manifests, 'Job');
    expect(job.metadata.annotations).toMatchObject({
      'helm.sh/hook': 'post-install,post-upgrade',
      'helm.sh/hook-weight': '1',
      'helm.sh/hook-delete-policy': 'before-hook-creation',
    });
    expect({ backoffLimit: job.spec?.backoffLimit, ttl: job.spec?.ttlSecondsAfterFinished }).toEqual({
      backoffLimit: 1,
      ttl: 86400,
    });
    expect(podSpec(job).restartPolicy).toBe('Never');
    expect(job.spec?.podFailurePolicy?.rules).toContainEqual({
      action: 'FailJob',
      onExitCodes: { operator: 'In', values: [1, 2, 4] },
    });
  });

  test('its pods are not workers: neither the Deployment nor the disruption budget selects them', async () => {
    const { manifests } = await render('migration-job-values.yaml', ['podDisruptionBudget.enabled=true']);
    const jobLabels = only(manifests, 'Job').spec?.template?.metadata?.labels ?? {};
    for (const kind of ['Deployment', 'PodDisruptionBudget']) {
      const selector = only(manifests, kind).spec?.selector?.matchLabels ?? {};
      expect(Object.keys(selector).length).toBeGreaterThan(0);
      const matches = Object.entries(selector).every(([k, v]) => jobLabels[k] === v);
      expect({ kind, matches }).toEqual({ kind, matches: false });
    }
  });

  test('--from-analysis-archive when the mode says so', async () => {
    const { manifests } = await render('migration-job-values.yaml', [
      'osaaMigrationJob.objectStoreMigration.run=false',
      'osaaMigrationJob.analysisArchiveMigration.mode=from_analysis_archive',
    ]);
    const pod = podSpec(only(manifests, 'Job'));
    expect(pod.initContainers).toBeUndefined();
    expect(pod.containers[0]?.args?.slice(0, 6)).toEqual([
      'migrate',
      '--from-analysis-archive',
      '--bucket',
      'analysis_archive',
      SOURCE,
      DEST,
    ]);
  });

  test('cutover: one step per staged migration, in order, as a plain Job named after the revision', async () => {
    const job = only((await render('cutover-job-values.yaml')).manifests, 'Job');
    const pod = podSpec(job);
    expect([...(pod.initContainers ?? []), ...pod.containers].map((c) => c.args)).toEqual([
      ['cutover', '12', '--dontask', '--log-level', 'info'],
      ['cutover', '13', '--dontask', '--log-level', 'info'],
    ]);
    expect(job.metadata.name).toMatch(/-cutover-1$/);
    expect(Object.keys(job.metadata.annotations ?? {}).filter((a) => a.startsWith('helm.sh/hook'))).toEqual(
      [],
    );
    expect(pod.volumes?.map((v) => v.name)).not.toContain('source-config');
  });

  test('refuses a Job with nothing to run, or a migrate without its configs', async () => {
    const nothing = await templateOutput(
      'cutover-job-values.yaml',
      [],
      ['osaaMigrationJob.cutover.migrationIds=[]'],
    );
    expect({ code: nothing.code, stderr: nothing.stderr }).toEqual({
      code: 1,
      stderr: expect.stringContaining('osaaMigrationJob is enabled but has nothing to run'),
    });
    const noConfig = await templateOutput('default-values.yaml', ['osaaMigrationJob.enabled=true']);
    expect({ code: noConfig.code, stderr: noConfig.stderr }).toEqual({
      code: 1,
      stderr: expect.stringContaining('osaaMigrationJob.sourceConfig.secretName is required'),
    });
  });
});

describe('metrics, disruption budget and service account', () => {
  let manifests: Manifest[];
  beforeAll(async () => {
    manifests = (await render('monitoring-values.yaml')).manifests;
  });

  test('the ServiceMonitor scrapes the Service port that reaches --metrics-port of every worker', () => {
    const { worker } = workerPod(manifests);
    const deployment = only(manifests, 'Deployment');
    const service = only(manifests, 'Service');
    const monitor = only(manifests, 'ServiceMonitor');
    expect(monitor.metadata.labels?.release).toBe('kube-prometheus-stack');
    const selected = Object.entries(monitor.spec?.selector?.matchLabels ?? {});
    expect(selected.length).toBeGreaterThan(0);
    expect(selected.every(([k, v]) => service.metadata.labels?.[k] === v)).toBe(true);
    const endpoint = monitor.spec?.endpoints?.[0];
    expect(endpoint?.path).toBe('/metrics');
    const servicePort = service.spec?.ports?.find((p) => p.name === endpoint?.port);
    const containerPort = worker.ports?.find((p) => p.name === servicePort?.targetPort)?.containerPort;
    expect(containerPort).toBe(Number(flagValue(worker.args, '--metrics-port')));
    const podLabels = deployment.spec?.template?.metadata?.labels ?? {};
    const serviceSelector = Object.entries(service.spec?.selector ?? {});
    expect(serviceSelector.length).toBeGreaterThan(0);
    expect(serviceSelector.every(([k, v]) => podLabels[k] === v)).toBe(true);
  });

  test('the PodDisruptionBudget covers the workers and lets unready ones be evicted', () => {
    const pdb = only(manifests, 'PodDisruptionBudget');
    const deployment = only(manifests, 'Deployment');
    expect(pdb.spec?.maxUnavailable).toBe(1);
    expect(pdb.spec?.unhealthyPodEvictionPolicy).toBe('AlwaysAllow');
    expect(pdb.spec?.selector?.matchLabels).toEqual(deployment.spec?.selector?.matchLabels);
  });

  test('the ServiceAccount carries its annotations (IRSA) and the workers run as it', () => {
    const account = only(manifests, 'ServiceAccount');
    expect(account.metadata.annotations?.['eks.amazonaws.com/role-arn']).toMatch(/^arn:aws:iam::/);
    expect(workerPod(manifests).pod.serviceAccountName).toBe(account.metadata.name);
  });

  test('metrics.enabled=false: no metrics flags, port, Service or ServiceMonitor', async () => {
    const off = (await render('monitoring-values.yaml', ['metrics.enabled=false'])).manifests;
    const { worker } = workerPod(off);
    expect(worker.args).not.toContain('--metrics-port');
    expect(worker.ports?.map((p) => p.name)).toEqual(['health']);
    expect(ofKind(off, 'Service')).toEqual([]);
    expect(ofKind(off, 'ServiceMonitor')).toEqual([]);
    expect(ofKind(off, 'PodDisruptionBudget')).toHaveLength(1);
  });
});

describe('values.schema.json', () => {
  test.each([
    ['a misspelt key', 'worker.memoryBudget=16', "additional properties 'memoryBudget' not allowed"],
    ['an unknown top-level key', 'database.password=hunter2', "additional properties 'database' not allowed"],
    [
      'a literal next to a secret reference',
      'temporal.apiKey.value=hunter2',
      "additional properties 'value'",
    ],
    [
      'a secret-named plain variable',
      'extraEnv[0].name=ANCHORE_DB_PASSWORD,extraEnv[0].value=hunter2',
      '/extraEnv/0',
    ],
    ['a verify mode the CLI lacks', 'osaaMigrationJob.verify=fast', '/osaaMigrationJob/verify'],
    ['a zero memory budget', 'worker.memoryBudgetMiB=0', '/worker/memoryBudgetMiB'],
  ])('refuses %s', async (_what, set, message) => {
    const out = await templateOutput('default-values.yaml', [set]);
    expect({ code: out.code, stderr: out.stderr }).toEqual({
      code: 1,
      stderr: expect.stringContaining(message),
    });
    expect(out.stdout).not.toContain('hunter2');
  });
});
