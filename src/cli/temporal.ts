/** Temporal connection of CLI commands: `--temporal-address` / TEMPORAL_ADDRESS, `--namespace` / TEMPORAL_NAMESPACE. */
import type { Client } from '@temporalio/client';
import { EndpointUnreachableError } from '../errors';
import type { GlobalOptions } from './globals';

/** Connects a client; a server that does not answer is a named error. */
export async function connectTemporal(g: GlobalOptions): Promise<Client> {
  // Loaded on use: the client library costs a few hundred ms of start-up that `plan` or `--help` need not pay.
  const { Client, Connection } = await import('@temporalio/client');
  try {
    const connection = await Connection.connect({ address: g.temporalAddress, connectTimeout: '5s' });
    return new Client({ connection, namespace: g.namespace });
  } catch (err) {
    throw new EndpointUnreachableError(
      `Temporal at ${g.temporalAddress}`,
      (err as Error).message,
      { cause: err },
      'Check --temporal-address (or TEMPORAL_ADDRESS) and that the Temporal server is up.',
    );
  }
}

/** Whether a workflow execution is still running (a missing one is not). */
export async function isWorkflowRunning(client: Client, workflowId: string): Promise<boolean> {
  try {
    const d = await client.workflow.getHandle(workflowId).describe();
    return d.status.name === 'RUNNING';
  } catch (err) {
    if ((err as Error)?.name === 'WorkflowNotFoundError') return false;
    throw err;
  }
}
