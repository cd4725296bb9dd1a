import { createDb2Driver } from '../../src/drivers/db2';
import { createTestCatalog, type TestCatalog } from '../helpers/catalog-db';
import { describeDriverConformance } from './conformance';

let catalog: TestCatalog;
describeDriverConformance('db2 (real PostgreSQL)', {
  async create() {
    catalog = await createTestCatalog();
    return createDb2Driver(catalog.pool);
  },
  expectedUri: 'db2://admin/policy_bundles/2c53a13c-1ab7-4c2f/x:y',
  teardown: () => catalog.drop(),
});
