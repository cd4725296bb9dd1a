/**
 * Whether any worker serves a catalog's task queue, from the pollers Temporal has seen on it, so a command that
 * would wait on a worker says within seconds that none is there, and what to run, instead of waiting in silence.
 */
import type { Client } from '@temporalio/client';

/** Temporal lists a poller for minutes after its last poll; an idle worker polls at least once a minute. */
const RECENT_POLL_MS = 100_000;

// temporal.api.enums.v1.TaskQueueType (the proto package is not a dependency of ours).
const TASK_QUEUE_TYPE_WORKFLOW = 1;
const TASK_QUEUE_TYPE_ACTIVITY = 2;

/** Identities (`pid@host`) of the workers that polled `taskQueue` recently, for workflows or activities. */
export async function workersServing(client: Client, taskQueue: string): Promise<string[]> {
  const seen = new Set<string>();
  for (const taskQueueType of [TASK_QUEUE_TYPE_WORKFLOW, TASK_QUEUE_TYPE_ACTIVITY]) {
    const res = await client.connection.withDeadline(Date.now() + 5_000, () =>
      client.workflowService.describeTaskQueue({
        namespace: client.options.namespace,
        taskQueue: { name: taskQueue },
        taskQueueType,
      }),
    );
    for (const p of res.pollers ?? []) {
      const at = Number(p.lastAccessTime?.seconds ?? 0) * 1000;
      if (Date.now() - at < RECENT_POLL_MS) seen.add(p.identity || 'a worker without identity');
    }
  }
  return [...seen];
}

/** What it means that no worker polls `taskQueue`, and what to do. */
export function noWorkerMessage(taskQueue: string, embedded = false): string {
  if (embedded)
    return (
      `no worker polls task queue ${taskQueue}: with Temporal embedded on this host the worker runs inside the ` +
      'command that started the migration, and none runs now. Nothing moves until the same command runs again, ' +
      'which resumes it'
    );
  return (
    `no worker polls task queue ${taskQueue}, the one for this catalog: the migration waits and nothing ` +
    'moves until a worker serves it (a worker connected to another catalog polls another task queue). Start ' +
    'one where this catalog and Temporal are reachable, with the same ANCHORE_DB_CONNECT (or --db-connect) and ' +
    'TEMPORAL_ADDRESS as this command: objectstorage worker'
  );
}
