/** A plain SDK client on one of the stack's S3 servers, for tests that arrange or inspect buckets directly. */
import { S3Client } from '@aws-sdk/client-s3';
import { stackEnv } from './stack-env';

export function stackS3Client(endpoint: string = stackEnv.s3Endpoint): S3Client {
  return new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: stackEnv.s3AccessKey, secretAccessKey: stackEnv.s3SecretKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
}
