import { createMemoryDriver } from '../../../src/drivers/memory';
import { describeDriverConformance } from '../../drivers/conformance';

describeDriverConformance('memory', {
  create: async () => createMemoryDriver({ name: 'conformance' }),
  expectedUri: 'memory://conformance/admin/policy_bundles/2c53a13c-1ab7-4c2f/x:y',
});
