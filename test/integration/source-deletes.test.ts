/**
 * `plan` and `migrate` say what migrate's deletes will do at the source (issue 22, item 7): an S3 source bucket
 * with versioning or Object Lock keeps what a delete "removes", and a policy may not let us read either. Sources
 * on SeaweedFS (versioning and Object Lock), one behind the behaviour proxy for what a policy refuses; plan and
 * migrate run in this process (migrate is answered "no" at its question, so no Temporal is needed).
 */
import { randomUUID } from 'node:crypto';
import {
  CreateBucketCommand,
  PutBucketVersioningCommand,
  PutObjectLockConfigurationCommand,
} from '@aws-sdk/client-s3';
import { createPrepare } from '../../src/activities/prepare';
import { catalogFingerprint } from '../../src/catalog';
import type { GlobalOptions } from '../../src/cli/globals';
import { buildInput, loadMigrationSides } from '../../src/cli/migration-setup';
import type { Logger } from '../../src/logger';
import { createDriverProvider } from '../../src/workers/driver-provider';
import { registerMigrate } from '../../src/cli/migrate';
import { registerPlan } from '../../src/cli/plan';
import { createTestCatalog, type TestCatalog } from '../helpers/catalog-db';
import {
  offlineGlobals,
  runInProcess,
  storeConfigFile,
  type RegisterCommand,
} from '../helpers/in-process-cli';
import { startS3BehaviourProxy, type S3BehaviourProxy } from '../helpers/s3-behaviour-proxy';
import { stackEnv } from '../helpers/stack-env';
import { stackS3Client } from '../helpers/stack-s3-client';

// The operator answers no: nothing starts. The question's place in stderr shows what was said before it.
jest.mock('../../src/cli/confirm', () => ({
  confirmStopped: async () => (process.stderr.write('QUESTION\n'), false),
}));
jest.setTimeout(30_000);

const tag = randomUUID().slice(0, 8);
let catalog: TestCatalog;
let proxy: S3BehaviourProxy;
const s3 = stackS3Client(stackEnv.s3bEndpoint);
const buckets: Record<'plain' | 'versioned' | 'locked', string> = {
  plain: `aos-srcdel-plain-${tag}`,
  versioned: `aos-srcdel-versioned-${tag}`,
  locked: `aos-srcdel-locked-${tag}`,
};

const globals = (json: boolean): GlobalOptions => offlineGlobals(catalog.url, json);
const dbConfig = (): string => storeConfigFile('db', '{}');
const s3Config = (bucket: string, url = stackEnv.s3bEndpoint): string =>
  storeConfigFile(
    's3',
    `{url: '${url}', bucket: ${bucket}, prefix: 'anchore/', access_key: \${ANCHORE_S3_ACCESS}, secret_key: \${ANCHORE_S3_SECRET}}`,
  );

/** Runs an objectstorage command in this process and returns what it printed. */
const run = (register: RegisterCommand, args: string[], json: boolean) =>
  runInProcess(register, args, globals(json));

async function planJson(...args: string[]): Promise<{ sourceDeletes: unknown; stderr: string }> {
  const r = await run(registerPlan, ['plan', ...args], true);
  return { ...(JSON.parse(r.stdout) as { sourceDeletes: unknown }), stderr: r.stderr };
}

const versionedWarning =
  `warning: source bucket ${buckets.versioned} has versioning enabled: migrate's deletes add delete markers; ` +
  'the old versions stay stored and billable until a lifecycle rule expires them (NoncurrentVersionExpiration) ' +
  '(migrate --reclaim-versions deletes the migrated ones)';

beforeAll(async () => {
  process.env.ANCHORE_S3_ACCESS = stackEnv.s3AccessKey;
  process.env.ANCHORE_S3_SECRET = stackEnv.s3SecretKey;
  catalog = await createTestCatalog();
  proxy = await startS3BehaviourProxy(stackEnv.s3bEndpoint);
  await s3.send(new CreateBucketCommand({ Bucket: buckets.plain }));
  await s3.send(new CreateBucketCommand({ Bucket: buckets.versioned }));
  await s3.send(
    new PutBucketVersioningCommand({
      Bucket: buckets.versioned,
      VersioningConfiguration: { Status: 'Enabled' },
    }),
  );
  await s3.send(new CreateBucketCommand({ Bucket: buckets.locked, ObjectLockEnabledForBucket: true }));
  await s3.send(
    new PutObjectLockConfigurationCommand({
      Bucket: buckets.locked,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 30 } },
      },
    }),
  );
});
afterEach(() => proxy.setRule(undefined));
afterAll(async () => {
  s3.destroy();
  await proxy?.close();
  await catalog?.drop();
});

describe('plan', () => {
  test('a versioned source bucket: a warning, and sourceDeletes in --json', async () => {
    const { sourceDeletes, stderr } = await planJson(s3Config(buckets.versioned), dbConfig());
    expect(sourceDeletes).toEqual({
      deletes: true,
      behaviour: { bucket: buckets.versioned, versioning: 'enabled', objectLock: 'off' },
      notes: [versionedWarning.replace('warning: ', '')],
    });
    expect(stderr.split('\n')).toContain(versionedWarning);
  });

  test('a plain source bucket: one line on stdout, no warning', async () => {
    const r = await run(registerPlan, ['plan', s3Config(buckets.plain), dbConfig()], false);
    expect(r.stdout.split('\n')).toContain(
      `Source deletes: source bucket ${buckets.plain} is not versioned: migrate's deletes remove the sources ` +
        'and free their space',
    );
    expect(r.stderr).toBe('');
  });

  test('Object Lock with a default retention', async () => {
    const { sourceDeletes, stderr } = await planJson(s3Config(buckets.locked), dbConfig());
    expect(sourceDeletes).toMatchObject({
      behaviour: {
        versioning: 'enabled',
        objectLock: 'enabled',
        defaultRetention: { mode: 'GOVERNANCE', days: 30 },
      },
    });
    expect(stderr.split('\n')).toContain(
      `warning: source bucket ${buckets.locked} has Object Lock enabled (default retention GOVERNANCE, 30 day(s)): ` +
        "objects under retention or a legal hold cannot be deleted; migrate's deletes only hide them behind " +
        'delete markers, and the locked versions stay stored until their retention ends',
    );
  });

  test('a policy without s3:GetBucketVersioning: unknown, said as such, and plan goes on', async () => {
    proxy.setRule((req) =>
      req.method === 'GET' && /[?&]versioning(=|&|$)/.test(req.url ?? '')
        ? { status: 403, code: 'AccessDenied', message: 'Access Denied' }
        : undefined,
    );
    const { sourceDeletes, stderr } = await planJson(s3Config(buckets.versioned, proxy.url), dbConfig());
    expect(sourceDeletes).toEqual({
      deletes: true,
      behaviour: {
        bucket: buckets.versioned,
        versioning: 'unknown',
        versioningUnknown: 's3:GetBucketVersioning not granted: AccessDenied',
        objectLock: 'off',
      },
      notes: [
        `could not read source bucket ${buckets.versioned}'s versioning (s3:GetBucketVersioning not granted: ` +
          "AccessDenied): if it is versioned, migrate's deletes only add delete markers and the old versions " +
          'stay stored and billable',
      ],
    });
    expect(stderr).toContain(`warning: could not read source bucket ${buckets.versioned}'s versioning`);
  });

  test('--nodelete: nothing is deleted, and the bucket is not asked', async () => {
    const from = proxy.seen.length;
    const { sourceDeletes, stderr } = await planJson(
      s3Config(buckets.versioned, proxy.url),
      dbConfig(),
      '--nodelete',
    );
    expect(sourceDeletes).toEqual({
      deletes: false,
      behaviour: null,
      notes: [
        'none (--nodelete): migrate deletes nothing at the source; every source stays stored (and billable) ' +
          'where it is, and rollback can point documents back at it',
      ],
    });
    expect(stderr).toBe('');
    expect(proxy.seen.length).toBe(from);
  });

  test('a db source has nothing to say', async () => {
    const { sourceDeletes, stderr } = await planJson(dbConfig(), s3Config(buckets.plain));
    expect(sourceDeletes).toEqual({ deletes: true, behaviour: null, notes: [] });
    expect(stderr).toBe('');
  });
});

describe('migrate', () => {
  test('says it before its question, on stderr as a warning', async () => {
    const r = await run(registerMigrate, ['migrate', s3Config(buckets.versioned), dbConfig()], false);
    const lines = r.stderr.split('\n');
    expect(lines).toContain(versionedWarning);
    expect(lines.indexOf(versionedWarning)).toBeLessThan(lines.indexOf('QUESTION'));
    expect(r.stdout).toContain('Skipping conversion.');
    expect(r.exitCode).toBe(0);
  });

  test('--nodelete says nothing is deleted', async () => {
    const r = await run(
      registerMigrate,
      ['migrate', s3Config(buckets.versioned), dbConfig(), '--nodelete'],
      false,
    );
    expect(r.stdout.split('\n')).toContain(
      'Source deletes: none (--nodelete): migrate deletes nothing at the source; every source stays stored ' +
        '(and billable) where it is, and rollback can point documents back at it',
    );
    expect(r.stderr).not.toContain('versioning');
  });
});

describe('prepare', () => {
  test("logs it in the worker's log (nothing with --nodelete)", async () => {
    const logged: Array<[string, string, unknown]> = [];
    const log: Logger = {
      debug: () => undefined,
      info: (m, f) => void logged.push(['info', m, f]),
      warn: (m, f) => void logged.push(['warn', m, f]),
      error: (m, f) => void logged.push(['error', m, f]),
    };
    const { from, to, selection } = await loadMigrationSides(
      catalog.pool,
      s3Config(buckets.versioned),
      dbConfig(),
      { bucket: [] },
      () => undefined,
    );
    const fingerprint = await catalogFingerprint(catalog.pool);
    const input = buildInput(1, fingerprint, from, to, selection, {
      nodelete: false,
      verify: 'head',
      concurrency: 1,
      pageSize: 10,
      pageBytes: 1 << 20,
      pagesPerRun: 10,
      maxDocsPerSecond: 0,
      maxBytesPerSecond: 0,
      watchAnchore: false,
    });
    const drivers = createDriverProvider(catalog.pool);
    try {
      const prepare = createPrepare({ pool: catalog.pool, fingerprint, drivers, log });
      await prepare(input);
      await prepare({ ...input, nodelete: true });
    } finally {
      await drivers.close();
    }
    expect(logged).toEqual([
      ['warn', versionedWarning.replace('warning: ', ''), { taskId: 1, source: selection.sourcePrefix }],
    ]);
  });
});
