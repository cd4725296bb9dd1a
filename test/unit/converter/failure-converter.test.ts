/**
 * The failure converter: what it returns is what enters a history, so no registered secret and no URL password
 * may be in any part of it (message, stack, causes, string details), while the failure stays readable.
 */
import { randomBytes } from 'node:crypto';
import {
  ActivityFailure,
  ApplicationFailure,
  defaultPayloadConverter,
  RetryState,
  type ProtoFailure,
} from '@temporalio/common';
import { registerSecret } from '../../../src/config/redact';
import { failureConverter } from '../../../src/converter/failure-converter';

const SECRET = `sk-${randomBytes(12).toString('hex')}`;
registerSecret(SECRET);

/** Every string of a failure, payload data decoded, so that a search sees what the payloads hold. */
function text(failure: ProtoFailure): string {
  return JSON.stringify(failure, (_k, v: unknown) =>
    v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v,
  );
}

const toFailure = (err: unknown): ProtoFailure =>
  failureConverter.errorToFailure(err, defaultPayloadConverter);

test('a plain error: message, stack trace and every cause lose the secret, and say where it was', () => {
  const root = new Error(`connect to https://s3.example?X-Amz-Credential=${SECRET} failed`);
  const middle = new Error(`retrying with ${SECRET}`, { cause: root });
  const f = toFailure(new Error(`the S3 server rejected key ${SECRET}`, { cause: middle }));
  expect(text(f)).not.toContain(SECRET);
  expect(f.message).toBe('the S3 server rejected key ****');
  expect(f.stackTrace).toMatch(/^Error: the S3 server rejected key \*\*\*\*\n/);
  expect(f.cause?.message).toBe('retrying with ****');
  expect(f.cause?.cause?.message).toBe('connect to https://s3.example?X-Amz-Credential=**** failed');
  expect(f.cause?.cause?.stackTrace).toContain('X-Amz-Credential=****');
});

test('ApplicationFailure details that are strings, at any depth, are scrubbed; the rest is kept', () => {
  const f = toFailure(
    ApplicationFailure.create({
      type: 'BadCredentialsError',
      message: 'rejected',
      nonRetryable: true,
      details: [`server said ${SECRET}`, { nested: [SECRET, 42], flag: true }, 7],
    }),
  );
  expect(text(f)).not.toContain(SECRET);
  const back = failureConverter.failureToError(f, defaultPayloadConverter) as ApplicationFailure;
  expect(back.name).toBe('ApplicationFailure');
  expect(back.type).toBe('BadCredentialsError');
  expect(back.nonRetryable).toBe(true);
  expect(back.details).toEqual(['server said ****', { nested: ['****', 42], flag: true }, 7]);
});

test('a failure received from the server and wrapped again is scrubbed whole (its proto is reused as is)', () => {
  const received = new ActivityFailure(
    'Activity task failed',
    'copyPage',
    '1',
    RetryState.NON_RETRYABLE_FAILURE,
    'w',
  );
  received.failure = {
    message: 'Activity task failed',
    cause: {
      message: `key ${SECRET}`,
      stackTrace: `Error: key ${SECRET}\n    at x`,
      applicationFailureInfo: {},
    },
  };
  const f = toFailure(received);
  expect(text(f)).not.toContain(SECRET);
  expect(f.cause?.message).toBe('key ****');
});

test('URL passwords in text are redacted even when no registry knows them (workflow code); references stay', () => {
  const f = toFailure(
    new Error('pg at postgresql://anchore:hunter2@db:5432/anchore, s3 at http://a:${ANCHORE_S3_SECRET}@s3/'),
  );
  expect(f.message).toBe(
    'pg at postgresql://anchore:****@db:5432/anchore, s3 at http://a:${ANCHORE_S3_SECRET}@s3/',
  );
  expect(f.stackTrace).not.toContain('hunter2');
});

test('a failure without secrets is what the default converter makes', () => {
  const err = ApplicationFailure.create({ type: 'T', message: 'plain words', details: ['d', { n: 1 }] });
  const f = toFailure(err);
  expect(f.message).toBe('plain words');
  expect(
    f.applicationFailureInfo?.details?.payloads?.map((p) => defaultPayloadConverter.fromPayload(p)),
  ).toEqual(['d', { n: 1 }]);
});
