/** localfs bad input: the data-dir rule Anchore enforces, and unusable directories. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalfsDriver } from '../../src/drivers/localfs';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'aos-localfs-err-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

test('unknown top-level files → UnknownFilesInDataDirError, nothing written', async () => {
  writeFileSync(join(root, 'notes.txt'), 'operator notes');
  const driver = createLocalfsDriver({ archiveDataDir: root });
  await expect(driver.selfCheck()).rejects.toMatchObject({
    name: 'UnknownFilesInDataDirError',
    entries: ['notes.txt'],
  });
  expect(readdirSync(root)).toEqual(['notes.txt']);
});

test('names that start with 32 hex characters are accepted, as Anchore accepts them', async () => {
  mkdirSync(join(root, '21232f297a57a5a743894a0e4a801fc3'));
  mkdirSync(join(root, '21232f297a57a5a743894a0e4a801fc3.bak'));
  const driver = createLocalfsDriver({ archiveDataDir: root });
  await expect(driver.selfCheck()).resolves.toBeUndefined();
  expect(readdirSync(root).sort()).toEqual([
    '21232f297a57a5a743894a0e4a801fc3',
    '21232f297a57a5a743894a0e4a801fc3.bak',
  ]);
});

test('a missing data dir is created (Anchore does) and the probe leaves it empty', async () => {
  const dir = join(root, 'new', 'data');
  await createLocalfsDriver({ archiveDataDir: dir }).selfCheck();
  expect(existsSync(dir)).toBe(true);
  expect(readdirSync(dir)).toEqual([]);
});

test('an unwritable data dir → DriverConfigurationError', async () => {
  // Root ignores permission bits, so use a path below a regular file, which nobody can create.
  writeFileSync(join(root, 'file'), 'x');
  const driver = createLocalfsDriver({ archiveDataDir: join(root, 'file', 'data') });
  await expect(driver.selfCheck()).rejects.toMatchObject({ name: 'DriverConfigurationError' });
});

test('a relative data dir is refused before anything is written', () => {
  expect(() => createLocalfsDriver({ archiveDataDir: 'relative/dir' })).toThrow(
    expect.objectContaining({ name: 'DriverConfigurationError' }),
  );
});
