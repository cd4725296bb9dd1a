/**
 * Runs the real migrateStore workflow on the test stack's Temporal dev server, with an in-process worker whose
 * activities use the safety world's catalog and destination (which a test may wrap to inject faults). For
 * workflow behaviour an activity test cannot show: set-aside pages, stops, the scheduler's decisions; each run's
 * history can be kept for replay tests.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities, type Activities } from '../../src/activities';
import type { ObjectStoreDriver } from '../../src/drivers/types';
import type { MigrationInput } from '../../src/shared/migration';
import type { migrateStore } from '../../src/workflows/migrate-store';
import { createSafetyWorld, type SafetyWorld } from './safety-world';
import { stackEnv } from './stack-env';
import { historyJson } from './temporal-history';

let runtimeInstalled = false;

/** Recorded histories of real runs, replayed by the unit tests so workflow changes stay deterministic. */
export const HISTORIES_DIR = join(__dirname, '..', 'histories');

export interface WorkflowRun {
  readonly handle: WorkflowHandle<typeof migrateStore>;
  readonly client: Client;
  /**
   * With RECORD_HISTORIES=1, writes the first and the latest run's history to test/histories/NAME[-last].json
   * (NAME followed by RECORD_HISTORIES_SUFFIX when set, to keep the histories of older workflow code beside new
   * ones), which test/unit/replay-histories.test.ts replays; otherwise does nothing.
   */
  recordHistory(name: string): Promise<void>;
  /** Stops the worker and closes the connections (after the workflow ended, or to abandon it). */
  close(): Promise<void>;
}

/** Starts `migrateStore(input)` on a task queue of its own, served by a worker in this process. */
export async function runMigrateStore(
  world: SafetyWorld,
  input: MigrationInput,
  dest: ObjectStoreDriver = world.dest,
  /** Wraps the worker's activities (to hold one at a chosen point). */
  wrap: (a: Activities) => Activities = (a) => a,
): Promise<WorkflowRun> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    runtimeInstalled = true;
  }
  const taskQueue = `test-${randomUUID()}`;
  const workerConnection = await NativeConnection.connect({ address: stackEnv.temporalAddress });
  const worker = await Worker.create({
    connection: workerConnection,
    taskQueue,
    workflowsPath: require.resolve('../../src/workflows'),
    activities: wrap(createActivities(world.depsWith(dest))),
  });
  const running = worker.run();
  const connection = await Connection.connect({ address: stackEnv.temporalAddress });
  const client = new Client({ connection });
  const handle = await client.workflow.start<typeof migrateStore>('migrateStore', {
    taskQueue,
    workflowId: `test-migrate-${input.taskId}-${randomUUID()}`,
    args: [input],
  });
  const recordHistory = async (name: string): Promise<void> => {
    if (process.env.RECORD_HISTORIES !== '1') return;
    mkdirSync(HISTORIES_DIR, { recursive: true });
    // The CLI's JSON is the format replay reads; the SDK's historyToJSON trips over two protobufjs copies.
    const show = (runId: string): string => historyJson(handle.workflowId, runId);
    const file = `${name}${process.env.RECORD_HISTORIES_SUFFIX ?? ''}`;
    writeFileSync(join(HISTORIES_DIR, `${file}.json`), show(handle.firstExecutionRunId));
    const latest = await client.workflow.getHandle(handle.workflowId).describe();
    if (latest.runId !== handle.firstExecutionRunId) {
      writeFileSync(join(HISTORIES_DIR, `${file}-last.json`), show(latest.runId));
    }
  };
  return {
    handle,
    client,
    recordHistory,
    close: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await workerConnection.close();
      await connection.close();
    },
  };
}

/**
 * Per test of the file: a fresh safety world, and `start` to run migrateStore in it; after the test the run is
 * closed and the world dropped. Call `world()` for the current world.
 */
export function workflowWorldPerTest(): {
  world: () => SafetyWorld;
  start: (
    input: MigrationInput,
    dest?: ObjectStoreDriver,
    wrap?: (a: Activities) => Activities,
  ) => Promise<WorkflowRun>;
} {
  let world: SafetyWorld | undefined;
  let run: WorkflowRun | undefined;
  beforeEach(async () => {
    world = await createSafetyWorld();
  });
  afterEach(async () => {
    await run?.close();
    await world?.catalog.drop();
    run = undefined;
    world = undefined;
  });
  const current = (): SafetyWorld => {
    if (!world) throw new Error('the workflow world exists only while a test runs');
    return world;
  };
  return {
    world: current,
    start: async (input, dest, wrap) => {
      run = await runMigrateStore(current(), input, dest, wrap);
      return run;
    },
  };
}
