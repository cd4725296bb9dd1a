/** Socket failures under an S3 request are named the same way as under a Swift request. */
import { EndpointUnreachableError, NETWORK_ERROR_CODES } from '../../../src/errors';
import { classifyS3Error, type S3ErrorContext } from '../../../src/drivers/s3-errors';

const ctx: S3ErrorContext = { endpoint: 'http://127.0.0.1:9', bucket: 'b', credentials: {} };

test.each([...NETWORK_ERROR_CODES])(
  '%s (on the error, its cause or in its message) → EndpointUnreachableError',
  (code) => {
    for (const err of [
      Object.assign(new Error('socket'), { code }),
      Object.assign(new Error('wrapped'), { cause: { code } }),
      new Error(`write ${code}`),
    ]) {
      const named = classifyS3Error(err, ctx);
      expect(named).toBeInstanceOf(EndpointUnreachableError);
      expect(named.message).toContain(`cannot reach http://127.0.0.1:9: ${code}`);
    }
  },
);

test('another socket code is not called unreachable', () => {
  const named = classifyS3Error(Object.assign(new Error('odd'), { code: 'EPROTO' }), ctx);
  expect(named).not.toBeInstanceOf(EndpointUnreachableError);
});
