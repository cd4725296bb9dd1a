/**
 * Every recorded history of a real run (test/histories, written by the workflow tests with RECORD_HISTORIES=1)
 * replays against today's workflow code: a change that would break running migrations' determinism fails here.
 * Changes that alter command order need patched() (issue 20, deliver 8).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';

jest.setTimeout(120_000);

const dir = join(__dirname, '..', 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

test('histories are recorded', () => {
  expect(files.length).toBeGreaterThanOrEqual(3);
});

test('every recorded history replays without a determinism error', async () => {
  const histories = files.map((f) => ({
    workflowId: f.replace(/\.json$/, ''),
    history: historyFromJSON(JSON.parse(readFileSync(join(dir, f), 'utf8'))),
  }));
  const failures: string[] = [];
  for await (const r of Worker.runReplayHistories(
    { workflowsPath: require.resolve('../../src/workflows') },
    histories,
  )) {
    if (r.error) failures.push(`${r.workflowId}: ${r.error.message}`);
  }
  expect(failures).toEqual([]);
});
