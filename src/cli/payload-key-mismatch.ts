/**
 * A CLI and workers that do not share the payload key. This CLI failing to decrypt an answer throws a named error
 * itself; a worker failing to decrypt the workflow's input fails its workflow task again and again, which the
 * server tells queries only as "Workflow Task in failed state": the worker's named error is in the history.
 */
import type { Client } from '@temporalio/client';
import { PAYLOAD_CODEC_ERRORS } from '../converter/payload-codec';
import { PAYLOAD_KEY_ENV } from '../converter/payload-keys';
import { PayloadDecryptionError, UnknownPayloadKeyError } from '../errors';

/** The payload-key error behind a failed query of `workflowId`, or undefined when `err` is something else. */
export async function payloadKeyMismatch(
  client: Client,
  workflowId: string,
  err: unknown,
): Promise<Error | undefined> {
  const e = err as Error | undefined;
  if (e && PAYLOAD_CODEC_ERRORS.includes(e.name)) return e;
  if (!/Workflow Task in failed state/i.test(messages(err))) return undefined;
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const failure = [...(history.events ?? [])].reverse().find((ev) => ev.workflowTaskFailedEventAttributes)
    ?.workflowTaskFailedEventAttributes?.failure;
  // A plain Error's failure keeps its name only as the first word of its stack trace.
  const name = /^(\w+): /.exec(failure?.stackTrace ?? '')?.[1];
  if (!name || !PAYLOAD_CODEC_ERRORS.includes(name)) return undefined;
  const message =
    `the workers cannot decrypt workflow ${workflowId} (a worker says: ${failure?.message ?? ''}); give every ` +
    `worker the ${PAYLOAD_KEY_ENV} this command uses`;
  if (name === 'PayloadDecryptionError') return new PayloadDecryptionError(message);
  return new UnknownPayloadKeyError(message, /payload key (\S+)/.exec(failure?.message ?? '')?.[1] ?? '');
}

// The client wraps the server's answer ("Failed to query Workflow", its cause the gRPC error): the whole chain.
function messages(err: unknown): string {
  const parts: string[] = [];
  for (let e = err as Error | undefined; e && parts.length < 5; e = e.cause as Error | undefined)
    parts.push(String(e.message));
  return parts.join('\n');
}
