/**
 * The production shape (Dockerfile, docker-compose.yaml, .env.example, docker/) checked without a Docker
 * engine: `docker-compose config` resolves and validates the compose file, the registration job runs against
 * a fake `temporal` CLI, and the repository is scanned for committed secrets.
 */
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';

const ROOT = join(__dirname, '..', '..');
const DOCKER_COMPOSE = '/usr/bin/docker-compose';
const COMPOSE_FILE = join(ROOT, 'docker-compose.yaml');
const SEARCH_ATTRIBUTES = join(ROOT, 'src', 'shared', 'search-attributes.json');

/** The variables docker-compose.yaml requires (`${VAR:?...}`), with dummy values. */
const REQUIRED = {
  POSTGRES_PASSWORD: 'dummy-postgres-password',
  ANCHORE_DB_PASSWORD: 'dummy-anchore-db-password',
  TEMPORAL_DB_PASSWORD: 'dummy-temporal-db-password',
  ANCHORE_S3_ACCESS_KEY: 'dummy-s3-access-key',
  ANCHORE_S3_SECRET_KEY: 'dummy-s3-secret-key',
};
/** Environment variable names that carry credentials. */
const SECRET_NAME = /PASSWORD|PWD|SECRET|ACCESS_KEY|TOKEN|CONNECT/;
/** `${VAR}`, `${VAR:?message}`, `${VAR:-default}`: a compose reference, with its variable and default. */
const REFERENCE = /^\$\{([A-Z_][A-Z0-9_]*)(?:(:?[?-])([^}]*))?\}$/;

interface Service {
  image?: string;
  build?: { context: string } | string;
  command?: string[];
  entrypoint?: string[];
  container_name?: string;
  ports?: string[];
  environment?: Record<string, string | number | null>;
  volumes?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, unknown> | string[];
}
interface ComposeFile {
  services: Record<string, Service>;
}

let work: string;
let emptyEnvFile: string;

beforeAll(() => {
  if (!existsSync(DOCKER_COMPOSE)) {
    throw new Error(
      `${DOCKER_COMPOSE} is missing: apt-get install docker-compose (scripts/ensure-tools.sh installs it in make test)`,
    );
  }
  work = mkdtempSync(join(tmpdir(), 'compose-test-'));
  emptyEnvFile = join(work, 'empty.env');
  writeFileSync(emptyEnvFile, '');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * `docker-compose config` in a clean environment: neither the caller's shell nor a local .env may satisfy a
 * reference, so only `env` (and `envFile`, default empty) count.
 */
async function composeConfig(
  env: Record<string, string>,
  envFile = emptyEnvFile,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      DOCKER_COMPOSE,
      ['--env-file', envFile, '-f', COMPOSE_FILE, 'config'],
      { cwd: ROOT, env: { PATH: '/usr/bin:/bin', HOME: work, ...env }, encoding: 'utf8' },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

function environmentOf(service: Service | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(service?.environment ?? {}).map(([k, v]) => [k, String(v ?? '')]));
}

/** host:published:target[/proto] → its parts (docker-compose 1.29 prints the short syntax). */
function publishedPorts(service: Service | undefined): { host: string; published: number; target: number }[] {
  return (service?.ports ?? []).map((p) => {
    const m = /^(?:(.+):)?(\d+):(\d+)(?:\/\w+)?$/.exec(String(p));
    if (!m) throw new Error(`unexpected port syntax ${p}`);
    return { host: m[1] ?? '0.0.0.0', published: Number(m[2]), target: Number(m[3]) };
  });
}

describe('docker-compose.yaml', () => {
  let resolved: ComposeFile;
  const raw = parse(readFileSync(COMPOSE_FILE, 'utf8')) as ComposeFile;

  beforeAll(async () => {
    const out = await composeConfig(REQUIRED);
    expect({ code: out.code, stderr: out.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    resolved = parse(out.stdout) as ComposeFile;
  });

  test('has the services of the production stack', () => {
    expect(Object.keys(resolved.services).sort()).toEqual(
      ['postgres', 's3', 'search-attributes', 'temporal', 'temporal-ui', 'worker'].sort(),
    );
  });

  test('images are pinned: Temporal 1.29.x on PostgreSQL, no floating tags', () => {
    const s = resolved.services;
    expect(s.postgres?.image).toMatch(/^postgres:15(\.\d+)?$/);
    expect(s.temporal?.image).toMatch(/^temporalio\/auto-setup:1\.29\.\d+$/);
    expect(s['search-attributes']?.image).toMatch(/^temporalio\/admin-tools:1\.29\.\d+-/);
    expect(s['temporal-ui']?.image).toMatch(/^temporalio\/ui:\d+\.\d+\.\d+$/);
    expect(s.s3?.image).toMatch(/^(versity\/versitygw:v\d+\.\d+\.\d+|minio\/minio:RELEASE\..+)$/);
    const temporalEnv = environmentOf(s.temporal);
    expect(temporalEnv).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgres' });
    expect(temporalEnv.POSTGRES_PWD).toBe(REQUIRED.TEMPORAL_DB_PASSWORD);
  });

  test('the worker scales: built from the Dockerfile, no container_name, no host port', () => {
    const worker = resolved.services.worker;
    expect(worker?.build).toEqual({ context: ROOT });
    expect(worker?.command?.[0]).toBe('worker');
    expect(worker?.container_name).toBeUndefined();
    expect(worker?.ports ?? []).toEqual([]);
  });

  test('Temporal (7233), the UI (8080) and S3 (7070) are published on loopback by default', () => {
    const s = resolved.services;
    expect(publishedPorts(s.temporal)).toEqual([{ host: '127.0.0.1', published: 7233, target: 7233 }]);
    expect(publishedPorts(s['temporal-ui'])).toEqual([{ host: '127.0.0.1', published: 8080, target: 8080 }]);
    expect(publishedPorts(s.s3)).toEqual([{ host: '127.0.0.1', published: 7070, target: 7070 }]);
    expect(s.s3?.healthcheck?.test.join(' ')).toContain(':7070/health');
    expect(environmentOf(s.s3).VGW_HEALTH).toBe('/health');
  });

  test('the worker reaches Temporal and the catalog through their services, with the secrets passed in', () => {
    const env = environmentOf(resolved.services.worker);
    const [temporalHost, temporalPort] = (env.TEMPORAL_ADDRESS ?? '').split(':');
    expect({ temporalHost, temporalPort }).toEqual({ temporalHost: 'temporal', temporalPort: '7233' });
    expect(resolved.services[env.ANCHORE_DB_HOST ?? '']).toBe(resolved.services.postgres);
    expect(env).toMatchObject({
      ANCHORE_DB_NAME: 'anchore',
      ANCHORE_DB_USER: 'anchore',
      ANCHORE_DB_PASSWORD: REQUIRED.ANCHORE_DB_PASSWORD,
      ANCHORE_S3_ACCESS_KEY: REQUIRED.ANCHORE_S3_ACCESS_KEY,
      ANCHORE_S3_SECRET_KEY: REQUIRED.ANCHORE_S3_SECRET_KEY,
    });
    // The bundled postgres creates the same catalog the workers use.
    expect(environmentOf(resolved.services.postgres)).toMatchObject({
      ANCHORE_DB_NAME: env.ANCHORE_DB_NAME,
      ANCHORE_DB_USER: env.ANCHORE_DB_USER,
      ANCHORE_DB_PASSWORD: env.ANCHORE_DB_PASSWORD,
    });
  });

  test('every secret-bearing variable in the file is a ${...} reference, never a value', () => {
    const secrets = Object.entries(raw.services).flatMap(([service, s]) =>
      Object.entries(s.environment ?? {})
        .filter(([name]) => SECRET_NAME.test(name))
        .map(([name, value]) => ({ service, name, value: String(value) })),
    );
    expect(secrets.length).toBeGreaterThanOrEqual(10);
    for (const { service, name, value } of secrets) {
      const ref = REFERENCE.exec(value);
      expect({ service, name, reference: ref !== null }).toEqual({ service, name, reference: true });
      // A default would be a committed secret; an optional one may only default to empty.
      if (ref?.[2]?.endsWith('-'))
        expect({ service, name, default: ref[3] }).toEqual({ service, name, default: '' });
    }
  });

  test.each(Object.keys(REQUIRED))('refuses to resolve without %s and names it', async (name) => {
    const env: Record<string, string> = { ...REQUIRED };
    delete env[name];
    const out = await composeConfig(env);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain(`set ${name} `);
  });

  test('.env.example lists every variable with a placeholder, and resolves the file on its own', async () => {
    const example = readFileSync(join(ROOT, '.env.example'), 'utf8');
    const values = new Map(
      [...example.matchAll(/^([A-Z_][A-Z0-9_]*)=(.*)$/gm)].map((m) => [m[1] ?? '', m[2] ?? '']),
    );
    // References in values (comments do not count), found in the raw file before interpolation.
    const referenced = new Set(
      [...JSON.stringify(raw).matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1] ?? ''),
    );
    expect([...referenced]).toEqual(expect.arrayContaining(Object.keys(REQUIRED)));
    expect([...referenced].filter((v) => !values.has(v))).toEqual([]);
    for (const [name, value] of values) {
      if (SECRET_NAME.test(name))
        expect({ name, value }).toEqual({ name, value: expect.stringMatching(/^(change-me)?$/) });
    }
    const out = await composeConfig({}, join(ROOT, '.env.example'));
    expect({ code: out.code, stderr: out.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
  });

  test('the search-attributes job reads src/shared/search-attributes.json and runs the registration script', () => {
    const job = resolved.services['search-attributes'];
    const env = environmentOf(job);
    expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(job?.volumes).toContain(`${SEARCH_ATTRIBUTES}:${env.SEARCH_ATTRIBUTES_FILE}:ro`);
    const script = job?.volumes?.find((v) => v.includes('register-search-attributes.sh'))?.split(':');
    expect(script?.[0]).toBe(join(ROOT, 'docker', 'temporal', 'register-search-attributes.sh'));
    expect(job?.entrypoint).toEqual(['bash', script?.[1]]);
  });
});

describe('docker/temporal/register-search-attributes.sh', () => {
  const script = join(ROOT, 'docker', 'temporal', 'register-search-attributes.sh');
  const wanted = JSON.parse(readFileSync(SEARCH_ATTRIBUTES, 'utf8')) as Record<string, string>;
  let bin: string;
  let state: string;

  // A fake `temporal` CLI keeping the namespace's custom attributes in a JSON file, answering like the
  // real `operator search-attribute list -o json` (INDEXED_VALUE_TYPE_* names).
  beforeAll(() => {
    bin = join(work, 'bin');
    state = join(work, 'attributes.json');
    mkdirSync(bin, { recursive: true });
    writeFileSync(
      join(bin, 'temporal'),
      `#!/usr/bin/env node
const fs = require('fs');
const file = ${JSON.stringify(state)};
const args = process.argv.slice(2);
const current = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
fs.appendFileSync(file + '.calls', args.join(' ') + '\\n');
const arg = (flag) => args[args.indexOf(flag) + 1];
if (arg('--namespace') !== 'default') process.exit(3);
if (args.slice(0, 3).join(' ') === 'operator search-attribute list') {
  console.log(JSON.stringify({ customAttributes: current, systemAttributes: { WorkflowId: 'INDEXED_VALUE_TYPE_KEYWORD' } }));
} else if (args.slice(0, 3).join(' ') === 'operator search-attribute create') {
  current[arg('--name')] = 'INDEXED_VALUE_TYPE_' + arg('--type').replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
  fs.writeFileSync(file, JSON.stringify(current));
} else process.exit(2);
`,
    );
    chmodSync(join(bin, 'temporal'), 0o755);
  });
  beforeEach(() => {
    rmSync(state, { force: true });
    rmSync(`${state}.calls`, { force: true });
  });

  const run = () =>
    spawnSync('bash', [script], {
      env: { PATH: `${bin}:/usr/bin:/bin`, SEARCH_ATTRIBUTES_FILE: SEARCH_ATTRIBUTES, WAIT_SECONDS: '4' },
      encoding: 'utf8',
    });
  const registered = () => JSON.parse(readFileSync(state, 'utf8')) as Record<string, string>;
  const typeName = (t: string) => `INDEXED_VALUE_TYPE_${t.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`;

  test('registers every attribute of search-attributes.json with its type, then nothing more', () => {
    expect(Object.keys(wanted).length).toBeGreaterThan(0);
    const first = run();
    expect({ status: first.status, stderr: first.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
    expect(registered()).toEqual(
      Object.fromEntries(Object.entries(wanted).map(([name, type]) => [name, typeName(type)])),
    );
    const second = run();
    expect(second.status).toBe(0);
    expect(second.stderr).toContain('already registered');
    const creates = readFileSync(`${state}.calls`, 'utf8')
      .split('\n')
      .filter((l) => l.includes(' create '));
    expect(creates).toHaveLength(Object.keys(wanted).length);
  });

  test('refuses an attribute registered with another type', () => {
    const [name, type] = Object.entries(wanted)[0] ?? ['', ''];
    const other = type === 'Keyword' ? 'Int' : 'Keyword';
    writeFileSync(state, JSON.stringify({ [name]: typeName(other) }));
    const out = run();
    expect(out.status).not.toBe(0);
    expect(out.stderr).toContain(`${name} is registered as ${typeName(other)}, the JSON says ${type}`);
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const lines = dockerfile.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
  const args = new Map(
    lines.flatMap((l) =>
      [...l.matchAll(/^ARG\s+(\w+)=(\S+)/g)].map((m) => [m[1] ?? '', m[2] ?? ''] as const),
    ),
  );
  const stages = lines
    .filter((l) => l.startsWith('FROM '))
    .map((l) => {
      const m = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(l);
      return {
        image: (m?.[1] ?? '').replace(/\$\{(\w+)\}/g, (_, a: string) => args.get(a) ?? ''),
        name: m?.[2],
      };
    });

  test('every stage is Debian-based Node 24, the current LTS (glibc for the Temporal core bridge)', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const { image } of stages)
      expect(image).toMatch(/^node:24(\.\d+){0,2}-(bookworm|bullseye|trixie)(-slim)?$/);
  });

  test('builds the workflow bundle and ships production dependencies only, as a non-root user', () => {
    const scripts = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { build: string } }
    ).scripts;
    expect(scripts.build).toContain('scripts/bundle-workflows.js');
    expect(dockerfile).toMatch(/RUN npm ci\b[^\n]*\n[\s\S]*RUN npm run build/);
    expect(dockerfile).toContain('lib/workflow-bundle.js');
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/RUN npm ci --omit=dev/);
    expect(runtime).toMatch(new RegExp(`COPY --from=${stages[0]?.name ?? '?'} /app/lib ./lib`));
    expect(runtime).toMatch(/^USER (?!root\b|0\b)\S+$/m);
    expect(runtime).toContain('ENTRYPOINT ["bin/objectstorage"]');
    expect(runtime).toContain('CMD ["worker"]');
  });

  test('copies only files that exist and that .dockerignore lets through', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'));
    expect(ignored).toEqual(
      expect.arrayContaining(['node_modules', 'lib', '.data', '.git', '.env', 'coverage']),
    );
    const sources = lines
      .filter((l) => l.startsWith('COPY ') && !l.includes('--from='))
      .flatMap((l) => l.split(/\s+/).slice(1, -1));
    expect(sources).toEqual(expect.arrayContaining(['package-lock.json', 'src', 'bin']));
    for (const source of sources) {
      expect({ source, exists: existsSync(join(ROOT, source)) }).toEqual({ source, exists: true });
      expect({ source, ignored: ignored.some((i) => source === i || source.startsWith(`${i}/`)) }).toEqual({
        source,
        ignored: false,
      });
    }
  });
});

/**
 * No secret is committed. The rule, applied to every file git tracks or would add (untracked, not ignored):
 * 1. anywhere: no AWS access key id (AKIA/ASIA + 16) and no PEM private key block;
 * 2. in config, docs and scripts (not TypeScript/JavaScript): an assignment to a secret-named key
 *    (`secret_key: v`, `PASSWORD=v`, `"token": "v"`) and the password of a URL (`scheme://user:v@host`) must be
 *    a reference (`${VAR}`, `$VAR`), empty, or an obvious placeholder; a reference's default value
 *    (`${VAR:-v}`) is checked the same way;
 * 3. in other code (src/, scripts/, bin/), URL passwords follow rule 2.
 * test/**\/*.ts is held to rule 1 only: the redaction, sealing and logging tests feed fake secrets on purpose
 * to prove they never come out, and the dev-stack helpers use the dev credentials below.
 * Allowed literals: the dev stack's documented credentials (docs/dev-stack.md: loopback-only VersityGW of the
 * dev and test stacks) — and they may not appear in the production files.
 */
describe('secret scan', () => {
  const DEV_CREDENTIALS = ['objectstorage-dev', 'objectstorage-dev-secret'];
  const PLACEHOLDER_WORDS = /^(change-?me|x+|p|pw|pass|password|secret|redacted|dummy[\w-]*|example[\w-]*)$/i;
  // Secret words as parts of a key (S3_SECRET_KEY, secret_key, POSTGRES_PWD), not inside others (js-tokens).
  const SECRET_KEY =
    /(?:^|[_.-])(?:secret|password|passwd|pwd|access_?key|token|private_?key|credentials?)(?:[_.-]|$)/i;
  const ASSIGNMENT = /(?:^|[\s{,(])["']?([A-Za-z_][\w.-]*)["']?\s*(?::\s+|=)("[^"]*"|'[^']*'|[^\s,}#;]+)?/g;
  const URL_PASSWORD = /\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/'"`]+:([^\s@/'"`]+)@/gi;
  const CODE = /\.(ts|js|mjs|cjs)$/;

  const files = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .stdout.split('\0')
    .filter((f) => f && existsSync(join(ROOT, f)));

  /** The literal secret `value` holds, or undefined for a reference, an empty value, a placeholder or a dev credential. */
  function literalSecret(value: string): string | undefined {
    const v = value.replace(/^(["'])(.*)\1$/, '$2').trim();
    if (v === '' || v.startsWith('****') || v === '…' || v === '...' || /^<[^>]*>$/.test(v)) return undefined;
    if (PLACEHOLDER_WORDS.test(v) || DEV_CREDENTIALS.includes(v)) return undefined;
    const ref = /^"?\$\{([A-Za-z_]\w*)(?:(:?[-=?+])([^}]*))?\}"?$/.exec(v);
    if (ref)
      return ref[2]?.replace(':', '') === '-' || ref[2]?.replace(':', '') === '='
        ? literalSecret(ref[3] ?? '')
        : undefined;
    if (/^"?\$/.test(v)) return undefined; // $VAR, $1, $(command): resolved at run time
    return v;
  }

  test('the scan sees the repository', () => {
    expect(files).toEqual(expect.arrayContaining(['README.md', 'docker-compose.yaml', 'scripts/stack.sh']));
  });

  test('no committed file holds a secret', () => {
    const findings: string[] = [];
    for (const file of files) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      if (text.includes('\0')) continue; // binary
      text.split('\n').forEach((line, i) => {
        const at = `${file}:${i + 1}`;
        if (/\b(AKIA|ASIA)[0-9A-Z]{16}\b/.test(line)) findings.push(`${at}: AWS access key id`);
        if (/-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----/.test(line)) findings.push(`${at}: private key`);
        if (file.startsWith('test/') && CODE.test(file)) return;
        for (const m of line.matchAll(URL_PASSWORD)) {
          if (literalSecret(m[1] ?? '') !== undefined) findings.push(`${at}: URL password ${m[1]}`);
        }
        if (CODE.test(file)) return;
        for (const m of line.matchAll(ASSIGNMENT)) {
          if (!SECRET_KEY.test(m[1] ?? '') || m[2] === undefined) continue;
          const literal = literalSecret(m[2]);
          if (literal !== undefined) findings.push(`${at}: ${m[1]} = ${literal}`);
        }
      });
    }
    expect(findings).toEqual([]);
  });

  test('the rule catches what it is meant to catch', () => {
    expect(literalSecret('${ANCHORE_S3_SECRET_KEY}')).toBeUndefined();
    expect(literalSecret('"${S3_SECRET_KEY:-objectstorage-dev-secret}"')).toBeUndefined();
    expect(literalSecret('change-me')).toBeUndefined();
    expect(literalSecret('wJalrXUtnFEMI/K7MDENG')).toBe('wJalrXUtnFEMI/K7MDENG');
    expect(literalSecret('${S3_SECRET_KEY:-hunter2}')).toBe('hunter2');
    const line = '          secret_key: hunter2 # not a reference';
    const hits = [...line.matchAll(ASSIGNMENT)].filter((m) => SECRET_KEY.test(m[1] ?? ''));
    expect(hits.map((m) => literalSecret(m[2] ?? ''))).toEqual(['hunter2']);
    expect([...'postgresql://anchore:hunter2@db/anchore'.matchAll(URL_PASSWORD)].map((m) => m[1])).toEqual([
      'hunter2',
    ]);
  });

  test('the dev credentials stay out of the production files', () => {
    for (const file of ['docker-compose.yaml', '.env.example', 'Dockerfile', 'docker/config/s3.yaml']) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const credential of DEV_CREDENTIALS)
        expect({ file, found: text.includes(credential) }).toEqual({ file, found: false });
    }
  });
});
