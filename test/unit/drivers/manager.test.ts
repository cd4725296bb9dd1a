import { createMemoryDriver } from '../../../src/drivers/memory';
import { createObjectStoreManager } from '../../../src/drivers/manager';
import { createMemoryMetadataStore } from '../../helpers/memory-metadata';

const compression = { enabled: true, min_size_kbytes: 1 };

function setup(supportsCompression = true) {
  const driver = createMemoryDriver({ name: 'mgr', supportsCompression });
  const metadata = createMemoryMetadataStore();
  return { driver, metadata, manager: createObjectStoreManager(driver, compression, metadata) };
}

test('putDocument stores the envelope, metadata describes the stored bytes, get returns logical bytes', async () => {
  const { driver, metadata, manager } = setup();
  const value = { big: 'x'.repeat(3000) };
  const digest = await manager.putDocument('admin', 'analysis_data', 'sha256:1', value);
  const row = await metadata.get('admin', 'analysis_data', 'sha256:1');
  expect(row).toMatchObject({
    documentName: 'sha256:1.json',
    content_url: 'memory://mgr/admin/analysis_data/sha256:1',
    is_compressed: true,
    digest,
  });
  const stored = driver.objects.get(row?.content_url as string) as Buffer;
  expect(row?.size).toBe(stored.length);
  expect((await manager.get('admin', 'analysis_data', 'sha256:1'))?.toString()).toBe(
    `{"document": {"big": "${value.big}"}}`,
  );
});

test('a driver without compression support stores plain bytes', async () => {
  const { metadata, manager } = setup(false);
  await manager.put('admin', 'b', 'k', Buffer.alloc(5000, 'a'));
  expect((await metadata.get('admin', 'b', 'k'))?.is_compressed).toBe(false);
});

test('get detects corrupted stored bytes by digest', async () => {
  const { driver, manager } = setup();
  await manager.put('admin', 'b', 'k', Buffer.from('original'));
  driver.objects.set('memory://mgr/admin/b/k', Buffer.from('tampered'));
  await expect(manager.get('admin', 'b', 'k')).rejects.toMatchObject({ name: 'DigestMismatchError' });
});

test('delete removes metadata and body; exists follows metadata', async () => {
  const { driver, manager } = setup();
  await manager.put('admin', 'b', 'k', Buffer.from('x'));
  expect(await manager.exists('admin', 'b', 'k')).toBe(true);
  await manager.delete('admin', 'b', 'k');
  expect(await manager.exists('admin', 'b', 'k')).toBe(false);
  expect(driver.objects.size).toBe(0);
  expect(await manager.get('admin', 'b', 'k')).toBeUndefined();
});
