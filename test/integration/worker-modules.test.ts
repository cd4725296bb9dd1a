/**
 * A worker process loads what running migrations needs and nothing of the demo generator (docs/adr/0010): the
 * built CLI's `worker` command is started against a catalog that does not exist — it loads the worker and its
 * activities, then stops with a named error — and the modules it loaded are listed at its exit.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stackEnv } from '../helpers/stack-env';

test('a worker never loads the demo generator', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aos-modules-'));
  const list = join(dir, 'modules.json');
  const hook = join(dir, 'hook.js');
  writeFileSync(
    hook,
    `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, ` +
      'JSON.stringify(Object.keys(require.cache))));\n',
  );
  const catalog = new URL(stackEnv.pgAdminUrl);
  catalog.pathname = '/aos_no_such_catalog';
  const run = spawnSync(
    process.execPath,
    [
      '--require',
      hook,
      join(__dirname, '../../bin/objectstorage.js'),
      '--db-connect',
      catalog.toString(),
      'worker',
    ],
    {
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
    },
  );
  expect(run.status).toBe(1);
  expect(run.stderr).toMatch(/aos_no_such_catalog/);
  const loaded = JSON.parse(readFileSync(list, 'utf8')) as string[];
  const ours = loaded.filter((m) => m.includes('/lib/'));
  expect(ours).toEqual(expect.arrayContaining([expect.stringMatching(/\/lib\/workers\/worker\.js$/)]));
  expect(ours).toEqual(expect.arrayContaining([expect.stringMatching(/\/lib\/activities\/copy-page\.js$/)]));
  expect(ours.filter((m) => m.includes('/lib/demo/'))).toEqual([]);
});
