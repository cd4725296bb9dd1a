/**
 * Activity retries the faults caused, from the workflow's history over all its runs (continue-as-new makes
 * many). Temporal records only an activity's last attempt: a retry shows as `attempt` > 1 on the started
 * event; attempts that exhausted their retry policy show as ActivityTaskFailed / ActivityTaskTimedOut.
 */
import { Client, Connection } from '@temporalio/client';

export interface RetryStats {
  readonly runs: number;
  readonly activities: number;
  /** Sum of (attempt - 1) over started activities: retried attempts. */
  readonly retriedAttempts: number;
  readonly failedEvents: number;
  readonly timedOutEvents: number;
  readonly maxHistoryLength: number;
}

export async function retryStats(address: string, workflowId: string): Promise<RetryStats> {
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const stats = {
    runs: 0,
    activities: 0,
    retriedAttempts: 0,
    failedEvents: 0,
    timedOutEvents: 0,
    maxHistoryLength: 0,
  };
  try {
    for await (const run of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
      stats.runs++;
      const history = await client.workflow.getHandle(workflowId, run.runId).fetchHistory();
      const events = history.events ?? [];
      stats.maxHistoryLength = Math.max(stats.maxHistoryLength, events.length);
      for (const e of events) {
        // Events carry exactly one attributes field, named after their type.
        if (e.activityTaskStartedEventAttributes) {
          stats.activities++;
          stats.retriedAttempts += Math.max(0, (e.activityTaskStartedEventAttributes.attempt ?? 1) - 1);
        } else if (e.activityTaskFailedEventAttributes) stats.failedEvents++;
        else if (e.activityTaskTimedOutEventAttributes) stats.timedOutEvents++;
      }
    }
  } finally {
    await connection.close();
  }
  return stats;
}
