/**
 * Which S3 answers stop a migration, fail one document, or only wait (issue 22, item 2): the same server code
 * means another thing for one object than for the bucket.
 */
import { classifyS3Error, type S3ErrorContext } from '../../../src/drivers/s3-errors';

const bucketCall: S3ErrorContext = {
  endpoint: 'http://s3.test',
  bucket: 'b',
  credentials: { access_key: 'AK****' },
};
const objectCall: S3ErrorContext = { ...bucketCall, url: 's3://b/anchore/acct/analysis_data/k' };
const answer = (name: string, status: number) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

test.each([
  ['KeyTooLongError', 400],
  ['EntityTooLarge', 400],
  ['AccessDenied', 403],
  ['KMS.DisabledException', 400],
  ['InvalidObjectState', 403],
])('%s (%i) about one object fails that document alone', (name, status) => {
  const e = classifyS3Error(answer(name, status), objectCall);
  expect(e).toMatchObject({ name: 'DocumentRejectedError', serverCode: name, uri: objectCall.url });
});

test.each([
  ['AccessDenied', 403],
  ['InvalidAccessKeyId', 403],
  ['SignatureDoesNotMatch', 403],
])('%s (%i) on a bucket-level call stops the migration as bad credentials', (name, status) => {
  expect(classifyS3Error(answer(name, status), bucketCall)).toMatchObject({ name: 'BadCredentialsError' });
});

test('a signature the server refuses is bad credentials even on one object', () => {
  expect(classifyS3Error(answer('SignatureDoesNotMatch', 403), objectCall)).toMatchObject({
    name: 'BadCredentialsError',
  });
});

test.each([
  ['SlowDown', 503],
  ['InternalError', 500],
  ['ServiceUnavailable', 503],
  ['RequestTimeTooSkewed', 403],
  ['TooManyRequests', 429],
  ['OperationAborted', 409],
])('%s (%i) only waits: StorageBusyError, never a document failure', (name, status) => {
  expect(classifyS3Error(answer(name, status), objectCall)).toMatchObject({ name: 'StorageBusyError' });
});

test('ExpiredToken waits while the SDK refreshes role credentials (iamauto), and stops static keys', () => {
  const iamauto = { ...objectCall, credentials: { iamauto: 'true' } };
  expect(classifyS3Error(answer('ExpiredToken', 400), iamauto)).toMatchObject({ name: 'StorageBusyError' });
  // Static keys never refresh: retrying them would wait forever without saying why.
  expect(classifyS3Error(answer('ExpiredToken', 400), objectCall)).toMatchObject({
    name: 'BadCredentialsError',
  });
});

test('501 NotImplemented is not a pause to wait out: the page fails and is retried as any error', () => {
  const e = classifyS3Error(answer('NotImplemented', 501), bucketCall);
  expect(e.name).toBe('NotImplemented');
});
