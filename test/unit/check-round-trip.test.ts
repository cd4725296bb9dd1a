/** The `check` round trip fails with exit code 5 when the store does not give back what was written. */
import { roundTrip } from '../../src/cli/check';
import { reportError } from '../../src/cli/output';
import { createObjectStoreManager } from '../../src/drivers/manager';
import { createMemoryDriver } from '../../src/drivers/memory';
import { createMemoryMetadataStore } from '../helpers/memory-metadata';

const compression = { enabled: false, min_size_kbytes: 100 };
const silent = { stdout: () => undefined, stderr: () => undefined };

test('a healthy store round-trips and leaves nothing behind', async () => {
  const driver = createMemoryDriver();
  const metadata = createMemoryMetadataStore();
  await expect(
    roundTrip(createObjectStoreManager(driver, compression, metadata)),
  ).resolves.toBeGreaterThanOrEqual(0);
  expect(driver.objects.size).toBe(0);
  expect(metadata.rows.size).toBe(0);
});

test('different bytes read back → ObjectStoreCheckFailedError, exit 5, test document still cleaned up', async () => {
  const driver = createMemoryDriver();
  const metadata = createMemoryMetadataStore();
  const manager = createObjectStoreManager(driver, compression, metadata);
  const lying = { ...manager, get: async () => Buffer.from('something else') };
  const err = await roundTrip(lying).catch((e: unknown) => e);
  expect(err).toMatchObject({ name: 'ObjectStoreCheckFailedError' });
  expect(reportError(err, false, silent)).toBe(5);
  expect(driver.objects.size).toBe(0);
});

test('a delete that does not delete → exit 5', async () => {
  const manager = createObjectStoreManager(createMemoryDriver(), compression, createMemoryMetadataStore());
  const sticky = { ...manager, delete: async () => undefined };
  const err = await roundTrip(sticky).catch((e: unknown) => e);
  expect(err).toMatchObject({ name: 'ObjectStoreCheckFailedError' });
  expect(reportError(err, false, silent)).toBe(5);
});

test('both test ids already present → a ConfigError that says how to clean up', async () => {
  const manager = createObjectStoreManager(createMemoryDriver(), compression, createMemoryMetadataStore());
  await manager.put('test', 'anchorecliconfigtest', 'cliconfigtest', Buffer.from('a'));
  await manager.put('test', 'anchorecliconfigtest', 'cliconfigtest2', Buffer.from('b'));
  await expect(roundTrip(manager)).rejects.toMatchObject({
    name: 'ConfigError',
    message: expect.stringContaining('Delete'),
  });
});
