/**
 * The payload codec end to end, with the built CLI and worker processes on the test stack: a migration whose
 * payloads are encrypted in Temporal, `status` and `list-migrations` with and without the key, the codec server
 * decoding a real history's payload for the UI, and a CLI and workers that do not share the key failing with
 * a named error instead of waiting.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSealingKey } from '../../src/config/seal';
import { taggedFixture } from '../helpers/fixture';
import { startCli, waitFor } from '../helpers/processes';
import { stackEnv, temporalBin } from '../helpers/stack-env';
import { configFile, createWorld, stores, type World } from '../helpers/world';

jest.setTimeout(300_000);

const KEY = randomBytes(32).toString('base64');
const KEY_ID = parseSealingKey(KEY).id;
const withKey = { OBJECTSTORAGE_PAYLOAD_KEY: KEY };
const withoutKey = { OBJECTSTORAGE_PAYLOAD_KEY: '' };
const from = stores.db();
const b64 = (s: string): string => Buffer.from(s).toString('base64');
/** Everything the commands of this file printed, searched for the key at the end. */
const printed: string[] = [];
let world: World;

beforeAll(async () => {
  world = await createWorld(withKey);
  await waitFor(() => world.worker.output().includes('worker ready'), 60_000, 'the worker');
});
afterAll(async () => {
  expect([...printed, world.worker.output()].join('\n')).not.toContain(KEY);
  await world?.close();
});

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  const r = await world.cli(args, env);
  printed.push(r.stdout, r.stderr);
  return { code: r.code, out: r.stdout + r.stderr };
}

/** Starts a slow migration of fresh documents (so it is still running while the test looks at it). */
async function startSlow(
  tag: string,
  env: Record<string, string>,
  detach = true,
): Promise<{ code: number; out: string; taskId: number }> {
  await world.load(from, taggedFixture(tag, 24));
  const args = ['migrate', configFile(from), configFile(stores.s3()), '--dontask', '--page-size', '4'];
  const r = await cli([...args, '--max-docs-per-second', '3', ...(detach ? ['--detach'] : [])], env);
  return { ...r, taskId: Number(/Migration Task Id: (\d+)/.exec(r.out)?.[1] ?? 0) };
}

async function workflowIdOf(taskId: number): Promise<string> {
  const r = await world.pool.query('SELECT workflow_id FROM objectstorage_migrations WHERE task_id = $1', [
    taskId,
  ]);
  return r.rows[0].workflow_id;
}

/** What this test reads of the Temporal CLI's JSON history: payloads as their JSON form. */
interface RawEvent {
  workflowExecutionStartedEventAttributes?: {
    input?: { payloads?: WirePayload[] };
    searchAttributes?: { indexedFields?: Record<string, WirePayload> };
  };
}
interface WirePayload {
  metadata: Record<string, string>;
  data: string;
}

const temporal = (...args: string[]): string =>
  execFileSync(temporalBin(), [...args, '--address', stackEnv.temporalAddress], { encoding: 'utf8' });

test('the prebuilt workflow bundle carries the same failure converter as workers and clients', () => {
  const bundle = readFileSync(join(__dirname, '../../lib/workflow-bundle.js'), 'utf8');
  expect(bundle).toContain('./lib/converter/failure-converter.js');
  expect(bundle).toContain('./lib/config/secret-registry.js');
});

test('with the key on both sides: payloads encrypted in history; status, list-migrations and the codec server work', async () => {
  const started = await startSlow('codec-both', {});
  expect(started.code).toBe(0);
  const { taskId } = started;
  // status queries the workflow: its answer is encrypted by the worker and decrypted here.
  let status = { code: -1, out: '' };
  await waitFor(
    async () => /live: /.test((status = await cli(['status', String(taskId)])).out),
    60_000,
    'status to show live progress',
  );
  expect(status.code).toBe(0);
  expect(status.out).toMatch(/workflow: {2}running/);
  // Without the key, the same answer cannot be read: a named error that says what to set, not a silent gap.
  const blind = await cli(['status', String(taskId)], withoutKey);
  expect(blind.code).toBe(1);
  expect(blind.out).toMatch(
    /error: UnknownPayloadKeyError: .*payload key [0-9a-f]{8}, but OBJECTSTORAGE_PAYLOAD_KEY is not set here/,
  );
  // list-migrations reads search attributes and the execution status, which codecs do not encode: with or without.
  for (const env of [{}, withoutKey]) {
    const list = await cli(['list-migrations'], env);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(new RegExp(`^${taskId}\\s+running\\s.*RUNNING`, 'm'));
  }
  const watched = await cli(['status', String(taskId), '--watch']);
  expect(watched.code).toBe(0);
  expect(await world.task(taskId)).toEqual({ state: 'complete', total: 24, done: 24 });

  const workflowId = await workflowIdOf(taskId);
  const raw = temporal('workflow', 'show', '--workflow-id', workflowId, '--output', 'json');
  const history = JSON.parse(raw) as { events: RawEvent[] };
  const input = history.events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  expect(input?.metadata).toEqual({ encoding: b64('binary/encrypted'), 'encryption-key-id': b64(KEY_ID) });
  // Without the codec the input shows the secret references in clear (migrate-db-to-s3 checks that they are).
  const decoded = [...raw.matchAll(/"([A-Za-z0-9+/]{8,}={0,2})"/g)].map((m) =>
    Buffer.from(m[1] ?? '', 'base64').toString('latin1'),
  );
  expect([raw, ...decoded].join('\n')).not.toContain('ANCHORE_S3_SECRET');
  // Search attributes stay readable (list-migrations and the UI's list filter use them).
  const taskIdAttribute =
    history.events[0]?.workflowExecutionStartedEventAttributes?.searchAttributes?.indexedFields?.[
      'AnchoreTaskId'
    ];
  expect(taskIdAttribute?.metadata['encoding']).toBe(b64('json/plain'));
  expect(Buffer.from(taskIdAttribute?.data ?? '', 'base64').toString()).toBe(JSON.stringify(String(taskId)));

  // The codec server decrypts that very payload for the UI.
  const server = startCli(
    ['codec-server', '--port', '0', '--ui-origin', 'http://ui.example:8233'],
    world.env,
  );
  try {
    await waitFor(() => /codec server on (http:\S+)/.test(server.output()), 30_000, 'the codec server');
    const url = /codec server on (http:\S+)/.exec(server.output())?.[1];
    expect(server.output()).toContain(`key ${KEY_ID}`);
    const res = await fetch(`${url}/decode`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-Namespace': 'default',
        Origin: 'http://ui.example:8233',
      },
      body: JSON.stringify({ payloads: [input] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://ui.example:8233');
    const [plain] = ((await res.json()) as { payloads: WirePayload[] }).payloads;
    expect(plain?.metadata['encoding']).toBe(b64('json/plain'));
    const value = JSON.parse(Buffer.from(plain?.data ?? '', 'base64').toString('utf8'));
    expect(value.taskId).toBe(taskId);
    expect(JSON.stringify(value)).toContain('${ANCHORE_S3_SECRET}');
  } finally {
    expect(await server.stop()).toBe(0);
    printed.push(server.output());
  }
});

test('codec-server without a payload key refuses to start with a ConfigError', async () => {
  const r = await cli(['codec-server', '--port', '0'], withoutKey);
  expect(r.code).toBe(1);
  expect(r.out).toMatch(
    /error: ConfigError: codec-server needs the payload key: set OBJECTSTORAGE_PAYLOAD_KEY/,
  );
});

test('a malformed payload key stops a command with a ConfigError naming the variable, not the value', async () => {
  const bad = 'definitely-not-a-key-0123456789';
  const r = await cli(['list-migrations'], { OBJECTSTORAGE_PAYLOAD_KEY: bad });
  expect(r.code).toBe(1);
  expect(r.out).toMatch(
    /error: ConfigError: invalid OBJECTSTORAGE_PAYLOAD_KEY: OBJECTSTORAGE_PAYLOAD_KEY must be 32 random bytes/,
  );
  expect(r.out).not.toContain(bad);
});

test('the CLI without the key, workers with it: migrate stops following at once with the named error', async () => {
  const t0 = Date.now();
  const r = await startSlow('codec-cli-blind', withoutKey, false);
  expect(r.taskId).toBeGreaterThan(0);
  expect(r.code).toBe(1);
  expect(r.out).toMatch(/error: UnknownPayloadKeyError: .*OBJECTSTORAGE_PAYLOAD_KEY is not set here/);
  expect((Date.now() - t0) / 1000).toBeLessThan(60);
  // The migration itself runs on (the workers read the CLI's plain input); the key reads it to its end.
  const watched = await cli(['status', String(r.taskId), '--watch']);
  expect(watched.code).toBe(0);
  expect((await world.task(r.taskId)).state).toBe('complete');
});

test('workers without the key, the CLI with it: migrate and status say the workers cannot decrypt, within seconds', async () => {
  await world.worker.stop();
  printed.push(world.worker.output());
  world.worker = world.startWorker(withoutKey);
  await waitFor(() => world.worker.output().includes('worker ready'), 60_000, 'the worker without the key');
  const t0 = Date.now();
  const r = await startSlow('codec-worker-blind', {}, false);
  expect(r.taskId).toBeGreaterThan(0);
  expect(r.code).toBe(1);
  expect(r.out).toMatch(
    /error: UnknownPayloadKeyError: the workers cannot decrypt workflow \S+ \(a worker says: a Temporal payload is encrypted with payload key [0-9a-f]{8}, but OBJECTSTORAGE_PAYLOAD_KEY is not set here.*give every worker the OBJECTSTORAGE_PAYLOAD_KEY this command uses/,
  );
  expect((Date.now() - t0) / 1000).toBeLessThan(60);
  const status = await cli(['status', String(r.taskId)]);
  expect(status.code).toBe(1);
  expect(status.out).toMatch(/error: UnknownPayloadKeyError: the workers cannot decrypt workflow/);
  expect(world.worker.output()).toContain('UnknownPayloadKeyError');
  temporal(
    'workflow',
    'terminate',
    '--workflow-id',
    await workflowIdOf(r.taskId),
    '--reason',
    'test cleanup',
  );
});
