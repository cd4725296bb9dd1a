/** Temporal connection of CLI commands: `--temporal-address` / TEMPORAL_ADDRESS, `--namespace` / TEMPORAL_NAMESPACE. */
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { EndpointUnreachableError } from '../errors';
import type { GlobalOptions } from './globals';

/** Connects a client; a server that does not answer is a named error. */
export async function connectTemporal(g: GlobalOptions): Promise<Client> {
  try {
    const connection = await Connection.connect({ address: g.temporalAddress, connectTimeout: '5s' });
    return new Client({ connection, namespace: g.namespace });
  } catch (err) {
    throw new EndpointUnreachableError(`Temporal at ${g.temporalAddress}`, (err as Error).message, {
      cause: err,
    });
  }
}

/** Whether a workflow execution is still running (a missing one is not). */
export async function isWorkflowRunning(client: Client, workflowId: string): Promise<boolean> {
  try {
    const d = await client.workflow.getHandle(workflowId).describe();
    return d.status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}
