/**
 * The embedded server's reuse path never waits in silence: a recorded dev server that is alive but does not
 * answer is said within seconds and given up with a named error after the start deadline, exactly as a fresh
 * start is.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureEmbeddedServer } from '../../src/cli/embedded/dev-server';

let stateDir: string;
let fake: ChildProcess;

beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'aos-embedded-unit-'));
  mkdirSync(join(stateDir, 'temporal'));
  // A process whose command line names this state directory's SQLite file: it reads as our server, alive.
  fake = spawn('bash', ['-c', 'sleep 300; :', join(stateDir, 'temporal', 'temporal.db')], {
    stdio: 'ignore',
  });
  writeFileSync(
    join(stateDir, 'temporal', 'server.json'),
    JSON.stringify({
      pid: fake.pid,
      ownerPid: process.pid,
      address: '127.0.0.1:9',
      ui: 'http://127.0.0.1:9',
    }),
  );
});

afterEach(() => {
  fake.kill('SIGKILL');
  rmSync(stateDir, { recursive: true, force: true });
});

test('a recorded server that is alive but silent is said and then given up, not awaited forever', async () => {
  const said: string[] = [];
  let polling: AbortSignal | undefined;
  const never = (_address: string, signal: AbortSignal) => {
    polling = signal;
    return new Promise<void>(() => undefined);
  };
  const started = Date.now();
  const outcome = ensureEmbeddedServer(stateDir, '/bin/false', (l) => said.push(l), never, {
    startTimeoutMs: 1_500,
    sayWaitingAfterMs: 300,
  });
  await expect(outcome).rejects.toMatchObject({ name: 'EmbeddedTemporalError' });
  await expect(outcome).rejects.toThrow(new RegExp(`pid ${fake.pid}.*does not answer`));
  expect(Date.now() - started).toBeLessThan(5_000);
  // The polling behind `ready` is told to stop, or its timers would keep the command from exiting.
  expect(polling?.aborted).toBe(true);
  expect(said.join('\n')).toMatch(
    new RegExp(`waiting for the embedded Temporal dev server \\(pid ${fake.pid}\\)`),
  );
  // A running server that is slow to answer may be busy with migrations: stopping it is the operator's call.
  expect(fake.exitCode).toBeNull();
});
