/**
 * `pause`, `resume`, `cancel` and `throttle`: workflow updates. The workflow's validators reject bad values
 * before they reach history; the CLI checks them first for a clear error.
 */
import type { Command } from 'commander';
import { ConfigError } from '../errors';
import { MESSAGES, throttleProblem, type Progress, type ThrottleUpdate } from '../shared/migration';
import type { GlobalOptions } from './globals';
import { createOutput } from './output';
import { nonNegativeNumber, positiveInt, taskIdArg } from './parse';
import { withMigration } from './migration-record';
import { connectTemporal } from './temporal';

async function sendUpdate(g: GlobalOptions, id: number, name: string, arg?: ThrottleUpdate): Promise<void> {
  const out = createOutput(g.json);
  const workflowId = await withMigration(g, id, async (record) => record.workflow_id);
  const client = await connectTemporal(g);
  try {
    const handle = client.workflow.getHandle(workflowId);
    const call = arg
      ? handle.executeUpdate<Progress, [ThrottleUpdate]>(name, { args: [arg] })
      : handle.executeUpdate<Progress, []>(name);
    const p = await call.catch((err: unknown) => {
      const e = err as Error;
      if (e?.name === 'WorkflowUpdateFailedError')
        throw new ConfigError(`${name} refused: ${(e.cause as Error)?.message ?? e.message}`);
      throw err;
    });
    out.result(p);
    out.line(
      `migration ${id}: ${p.phase}, concurrency ${p.throttle.concurrency}, ${p.counters.migrated}/${p.counters.total} migrated`,
    );
  } finally {
    await client.connection.close();
  }
}

export function registerControl(program: Command, globals: () => GlobalOptions): void {
  const simple: Array<[string, string]> = [
    [MESSAGES.pause, 'stop starting new pages (in-flight pages finish)'],
    [MESSAGES.resume, 'start pages again after pause'],
    [MESSAGES.cancel, 'stop after in-flight pages; no document is left half-moved (exit code 4 for migrate)'],
  ];
  for (const [name, description] of simple) {
    program
      .command(name)
      .description(description)
      .argument('<id>', 'migration (Anchore task) id', taskIdArg)
      .action(async (id: number) => sendUpdate(globals(), id, name));
  }
  program
    .command(MESSAGES.throttle)
    .description('change concurrency or rate limits of a running migration')
    .argument('<id>', 'migration (Anchore task) id', taskIdArg)
    .option('--concurrency <n>', 'pages in flight', positiveInt('--concurrency'))
    .option('--max-docs-per-second <r>', '0 = unlimited', nonNegativeNumber('--max-docs-per-second'))
    .option('--max-bytes-per-second <b>', '0 = unlimited', nonNegativeNumber('--max-bytes-per-second'))
    .action(async (id: number, opts: ThrottleUpdate) => {
      const problem = throttleProblem(opts);
      if (problem) throw new ConfigError(problem);
      await sendUpdate(globals(), id, MESSAGES.throttle, opts);
    });
}
