/**
 * `bin/objectstorage`, the command operators run: it must start Node with the worker memory settings, leave a
 * caller's own values alone and pass arguments and exit codes through.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';

/** A --require script that prints what the launched Node process sees. */
function probe(): string {
  const dir = mkdtempSync(join(tmpdir(), 'aos-launcher-'));
  const file = join(dir, 'probe.js');
  writeFileSync(
    file,
    `process.stderr.write('PROBE ' + JSON.stringify({
       arena: process.env.MALLOC_ARENA_MAX ?? null,
       mmap: process.env.MALLOC_MMAP_THRESHOLD_ ?? null,
       execArgv: process.execArgv,
     }) + '\\n');`,
  );
  return file;
}

function seen(stderr: string): { arena: string | null; mmap: string | null; execArgv: string[] } {
  const line = stderr.split('\n').find((l) => l.startsWith('PROBE '));
  if (!line) throw new Error(`no probe output in: ${stderr}`);
  return JSON.parse(line.slice('PROBE '.length)) as ReturnType<typeof seen>;
}

describe('bin/objectstorage launcher', () => {
  test('sets the glibc and V8 memory settings and runs the CLI with its arguments', async () => {
    const r = await runCli(['--version'], { NODE_OPTIONS: `--require ${probe()}` });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(seen(r.stderr)).toEqual({
      arena: '2',
      mmap: '131072',
      execArgv: ['--max-semi-space-size=8'],
    });
  });

  test("keeps the caller's own settings", async () => {
    const r = await runCli(['--version'], {
      MALLOC_ARENA_MAX: '4',
      MALLOC_MMAP_THRESHOLD_: '65536',
      NODE_OPTIONS: `--require ${probe()} --max-semi-space-size=4`,
    });
    expect(r.code).toBe(0);
    expect(seen(r.stderr)).toEqual({ arena: '4', mmap: '65536', execArgv: [] });
  });

  test('passes the exit code of a failing command through', async () => {
    const r = await runCli(['no-such-command']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unknown command 'no-such-command'/);
  });

  test('works behind a symlink, as npm installs it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aos-bin-'));
    const link = join(dir, 'objectstorage');
    symlinkSync(join(__dirname, '../../bin/objectstorage'), link);
    const out = execFileSync(link, ['--version'], { env: { PATH: process.env.PATH ?? '' } }).toString();
    expect(out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
