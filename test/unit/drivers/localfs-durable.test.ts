/**
 * A localfs copy is on disk before its source may be deleted: the file is fsynced before the rename that
 * publishes it, and its directory after, so a crash right after the source delete cannot leave a torn or
 * missing copy (issue 22, item 6).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type * as FsPromises from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createLocalfsDriver } from '../../../src/drivers/localfs';

// jest.mock is hoisted above the imports, so the driver sees the recording functions.
const events: string[] = [];

jest.mock('node:fs/promises', () => {
  const actual = jest.requireActual<typeof FsPromises>('node:fs/promises');
  return {
    ...actual,
    open: async (path: string, flags: string) => {
      const handle = await actual.open(path, flags);
      const sync = handle.sync.bind(handle);
      handle.sync = async () => {
        await sync();
        events.push(`sync ${path}`);
      };
      return handle;
    },
    rename: async (from: string, to: string) => {
      await actual.rename(from, to);
      events.push(`rename ${from} ${to}`);
    },
  };
});

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'aos-durable-'));
  mkdirSync(join(root, 'data'));
  events.length = 0;
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

test('file fsynced, then renamed into place, then its directory fsynced', async () => {
  const driver = createLocalfsDriver({ archiveDataDir: join(root, 'data') });
  const uri = await driver.put({ userId: 'acct', bucket: 'analysis_data', key: 'k' }, Buffer.from('body'));
  const path = uri.slice('file://'.length);
  const renamed = events.findIndex((e) => e.startsWith('rename ') && e.endsWith(` ${path}`));
  const tmp = events[renamed]?.split(' ')[1] as string;
  expect(renamed).toBeGreaterThan(0);
  expect(events.indexOf(`sync ${tmp}`)).toBeGreaterThanOrEqual(0);
  expect(events.indexOf(`sync ${tmp}`)).toBeLessThan(renamed);
  expect(events.indexOf(`sync ${dirname(path)}`)).toBeGreaterThan(renamed);
});
