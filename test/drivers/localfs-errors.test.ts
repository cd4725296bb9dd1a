/** localfs bad input: the data-dir rule Anchore enforces, and unusable directories. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalfsDriver } from '../../src/drivers/localfs';
import { md5Hex } from '../../src/drivers/util';

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

describe('localfs done right (issue 22, item 6)', () => {
  const ref = { userId: 'acct', bucket: 'analysis_data', key: 'sha256:abc' };

  test('a content URL that leaves the data directory is refused, never read or deleted', async () => {
    const dir = join(root, 'data');
    const driver = createLocalfsDriver({ archiveDataDir: dir });
    await driver.selfCheck();
    const outside = join(root, 'outside.json');
    writeFileSync(outside, 'not a document');
    const sneaky = `file://${dir}/../outside.json`;
    expect(sneaky.startsWith(driver.location)).toBe(true); // a selection by location would pick it
    await expect(driver.get(sneaky)).rejects.toMatchObject({ name: 'UriParseError' });
    await expect(driver.delete(sneaky)).rejects.toMatchObject({ name: 'UriParseError' });
    await expect(driver.deleteMany([sneaky])).rejects.toMatchObject({ name: 'UriParseError' });
    expect(existsSync(outside)).toBe(true);
  });

  test('stat reports the md5 of what is on disk, so --verify head sees a flipped byte', async () => {
    const driver = createLocalfsDriver({ archiveDataDir: root });
    await driver.selfCheck();
    const uri = await driver.put(ref, Buffer.from('the copy as written'));
    const path = uri.slice('file://'.length);
    writeFileSync(path, 'the copy as wrItten'); // same size, other bytes
    const stat = (await driver.statMany?.([uri]))?.get(uri);
    expect(stat).toEqual({ size: 19, md5: md5Hex(Buffer.from('the copy as wrItten')) });
  });

  test("a migration's self-check never creates the data directory either (check does, as Anchore does)", async () => {
    const dir = join(root, 'mounted-volume');
    const driver = createLocalfsDriver({ archiveDataDir: dir });
    await expect(driver.selfCheck({ createDataDir: false })).rejects.toMatchObject({
      name: 'DataDirMissingError',
    });
    expect(existsSync(dir)).toBe(false);
    await driver.selfCheck();
    expect(existsSync(dir)).toBe(true);
  });

  test('a write never creates the data directory: a worker without the shared volume gets a named error', async () => {
    const dir = join(root, 'mounted-volume');
    const driver = createLocalfsDriver({ archiveDataDir: dir });
    await expect(driver.put(ref, Buffer.from('x'))).rejects.toMatchObject({ name: 'DataDirMissingError' });
    await expect(driver.putMany([{ ref, data: Buffer.from('x') }])).rejects.toMatchObject({
      name: 'DataDirMissingError',
    });
    expect(existsSync(dir)).toBe(false);
  });
});
