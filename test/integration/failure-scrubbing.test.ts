/**
 * Nothing sensitive in history, even by accident: activities whose failures carry a registered secret in their
 * message, stack, cause and details, and a workflow failing with a URL password in its own failure, run on the
 * test stack's Temporal with the workers' data converter. The raw history (the Temporal CLI's JSON) holds
 * neither, while the failures are all there with `****`. The same run with the SDK's default converter shows
 * the secret, so the search does see a leak.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Client, Connection, type DataConverter } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { registerSecret } from '../../src/config/redact';
import { dataConverterFromEnv } from '../../src/converter/data-converter';
import { WORKFLOW_URL_PASSWORD, type LeakyActivities, type leakyWorkflow } from '../helpers/leaky-workflows';
import { stackEnv } from '../helpers/stack-env';
import { historyJson } from '../helpers/temporal-history';

jest.setTimeout(120_000);

const SECRET = `wJalr-${randomBytes(12).toString('hex')}`;

const activities: LeakyActivities = {
  async leakPlain() {
    // As a worker does when it resolves a store config's secret key.
    registerSecret(SECRET);
    throw new Error(`socket closed while signing with ${SECRET}`, {
      cause: new Error(`InvalidAccessKeyId: ${SECRET}`),
    });
  },
  async leakApplication() {
    throw ApplicationFailure.create({
      type: 'BadCredentialsError',
      message: `the S3 server rejected secret ${SECRET}`,
      nonRetryable: true,
      details: [`server response: ${SECRET}`, { nested: [SECRET] }],
      cause: new Error(`signature computed with ${SECRET}`),
    });
  },
};

beforeAll(() => Runtime.install({ logger: new DefaultLogger('ERROR') }));

/** Runs leakyWorkflow to its failure with `dataConverter` on both sides; returns the raw history JSON. */
async function runLeaky(dataConverter: DataConverter | undefined): Promise<string> {
  const taskQueue = `leaky-${randomUUID()}`;
  const workerConnection = await NativeConnection.connect({ address: stackEnv.temporalAddress });
  const worker = await Worker.create({
    connection: workerConnection,
    taskQueue,
    workflowsPath: require.resolve('../helpers/leaky-workflows'),
    activities,
    ...(dataConverter ? { dataConverter } : {}),
  });
  const connection = await Connection.connect({ address: stackEnv.temporalAddress });
  const client = new Client({ connection, ...(dataConverter ? { dataConverter } : {}) });
  const workflowId = `leaky-${randomUUID()}`;
  try {
    await worker.runUntil(async () => {
      const handle = await client.workflow.start<typeof leakyWorkflow>('leakyWorkflow', {
        taskQueue,
        workflowId,
      });
      await expect(handle.result()).rejects.toMatchObject({ name: 'WorkflowFailedError' });
    });
  } finally {
    await connection.close();
    await workerConnection.close();
  }
  return historyJson(workflowId);
}

/** The raw JSON plus every base64 string in it decoded: a payload's bytes are searched too. */
function searchable(raw: string): string {
  const decoded = [...raw.matchAll(/"([A-Za-z0-9+/]{8,}={0,2})"/g)].map((m) =>
    Buffer.from(m[1] ?? '', 'base64').toString('utf8'),
  );
  return [raw, ...decoded].join('\n');
}

test("the workers' data converter keeps secrets and URL passwords out of the raw history, failures intact", async () => {
  const text = searchable(await runLeaky(dataConverterFromEnv({})));
  expect(text).not.toContain(SECRET);
  expect(text).not.toContain(WORKFLOW_URL_PASSWORD);
  // The failures are still there, each part with the secret replaced.
  expect(text).toContain('socket closed while signing with ****'); // plain error: message and stack
  expect(text).toContain('InvalidAccessKeyId: ****'); // its cause
  expect(text).toContain('the S3 server rejected secret ****'); // ApplicationFailure
  expect(text).toContain('server response: ****'); // its details
  expect(text).toContain('signature computed with ****'); // its cause
  expect(text).toContain('BadCredentialsError');
  // The workflow's own failure, converted in the sandbox where no secret is registered: its URL password.
  expect(text).toContain('gave up on postgresql://anchore:****@db.internal:5432/anchore');
  expect(text).toContain('while talking to postgresql://anchore:****@db.internal');
  expect((text.match(/"eventType":\s*"EVENT_TYPE_ACTIVITY_TASK_FAILED"/g) ?? []).length).toBe(2);
});

test("control: the SDK's default converter leaves them in, so the search above sees a leak", async () => {
  const text = searchable(await runLeaky(undefined));
  expect(text).toContain(SECRET);
  expect(text).toContain(WORKFLOW_URL_PASSWORD);
});
