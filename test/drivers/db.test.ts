import { createDbDriver } from '../../src/drivers/db';
import { createTestCatalog, type TestCatalog } from '../helpers/catalog-db';
import { describeDriverConformance } from './conformance';

let catalog: TestCatalog;
describeDriverConformance('db (real PostgreSQL)', {
  async create() {
    catalog = await createTestCatalog();
    return createDbDriver(catalog.pool);
  },
  expectedUri: 'db://admin/policy_bundles/2c53a13c-1ab7-4c2f/x:y',
  teardown: () => catalog.drop(),
});
