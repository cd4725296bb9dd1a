import { randomUUID } from 'node:crypto';
import { createS3Driver } from '../../src/drivers/s3';
import { stackEnv } from '../helpers/stack-env';
import { describeDriverConformance } from './conformance';

// One bucket per run, created by the driver's own self-check (create_bucket: true).
const bucket = `aos-conf-${randomUUID().slice(0, 8)}`;

describeDriverConformance('s3 (real VersityGW)', {
  async create() {
    const driver = createS3Driver({
      bucket,
      prefix: 'anchore/',
      accessKey: stackEnv.s3AccessKey,
      secretKey: stackEnv.s3SecretKey,
      url: stackEnv.s3Endpoint,
      createBucket: true,
    });
    await driver.selfCheck();
    return driver;
  },
  expectedUri: `s3://${bucket}/anchore/admin/policy_bundles/2c53a13c-1ab7-4c2f/x:y`,
});
