import { randomUUID } from 'node:crypto';
import { createSwiftDriver } from '../../src/drivers/swift';
import { stackEnv } from '../helpers/stack-env';
import { describeDriverConformance } from './conformance';

// One container per run, created by the driver's own self-check (create_container: true).
const container = `aos-conf-${randomUUID().slice(0, 8)}`;

describeDriverConformance('swift (real OpenStack Swift, tempauth)', {
  async create() {
    const driver = createSwiftDriver({
      container,
      prefix: 'anchore/',
      createContainer: true,
      auth: { version: '1.0', url: stackEnv.swiftAuthUrl, user: stackEnv.swiftUser, key: stackEnv.swiftKey },
    });
    await driver.selfCheck();
    return driver;
  },
  expectedUri: `swift://${container}/anchore/admin/policy_bundles/2c53a13c-1ab7-4c2f/x:y`,
});
