/**
 * The failure converter of every worker, of the workflow bundle and of the CLI's client: Temporal's default,
 * whose output is scrubbed of secrets before it can enter a workflow history. src/converter/ holds Temporal
 * data conversion because both the CLI and the workers use it, and config/ may not import Temporal.
 *
 * The SDK loads this module by path (`failureConverterPath`) into the worker's main thread, where activity
 * failures are encoded and the registry knows the secrets the worker resolved, and into the workflow sandbox:
 * so it imports only @temporalio/common and the Node-free secret registry, and it is deterministic.
 */
import {
  DefaultFailureConverter,
  type Payload,
  type PayloadConverter,
  type ProtoFailure,
  type SerializationContext,
} from '@temporalio/common';
import { redactUrlPasswordsInText, scrubSecrets } from '../config/secret-registry';

/** {@link DefaultFailureConverter} whose failures hold no registered secret and no URL password. */
export class ScrubbingFailureConverter extends DefaultFailureConverter {
  override errorToFailure(
    err: unknown,
    payloadConverter: PayloadConverter,
    context?: SerializationContext,
  ): ProtoFailure {
    return scrubFailure(super.errorToFailure(err, payloadConverter, context), payloadConverter, context);
  }
}

/** The export the SDK looks for at `failureConverterPath`. */
export const failureConverter = new ScrubbingFailureConverter();

/** Text as it may enter a history. */
export function scrubText(text: string): string {
  return redactUrlPasswordsInText(scrubSecrets(text));
}

/**
 * `failure` with its message, stack trace, string details and those of all its causes scrubbed. Causes are
 * walked here too: a failure received from the server (an activity's, wrapped by the workflow) is reused whole.
 */
export function scrubFailure(
  failure: ProtoFailure,
  payloadConverter: PayloadConverter,
  context?: SerializationContext,
): ProtoFailure {
  const payloads = (p: Payload[] | null | undefined): Payload[] | undefined =>
    p?.map((one) => scrubPayload(one, payloadConverter, context));
  const out: ProtoFailure = { ...failure };
  if (failure.message) out.message = scrubText(failure.message);
  if (failure.stackTrace) out.stackTrace = scrubText(failure.stackTrace);
  if (failure.cause) out.cause = scrubFailure(failure.cause, payloadConverter, context);
  if (failure.encodedAttributes)
    out.encodedAttributes = scrubPayload(failure.encodedAttributes, payloadConverter, context);
  const app = failure.applicationFailureInfo;
  if (app?.details)
    out.applicationFailureInfo = { ...app, details: { payloads: payloads(app.details.payloads) } };
  const cancelled = failure.canceledFailureInfo;
  if (cancelled?.details)
    out.canceledFailureInfo = { ...cancelled, details: { payloads: payloads(cancelled.details.payloads) } };
  const timeout = failure.timeoutFailureInfo;
  if (timeout?.lastHeartbeatDetails)
    out.timeoutFailureInfo = {
      ...timeout,
      lastHeartbeatDetails: { payloads: payloads(timeout.lastHeartbeatDetails.payloads) },
    };
  return out;
}

/** A payload whose strings (at any depth) are scrubbed; kept as it is when nothing changed or it is not data. */
function scrubPayload(
  payload: Payload,
  payloadConverter: PayloadConverter,
  context?: SerializationContext,
): Payload {
  let value: unknown;
  try {
    value = payloadConverter.fromPayload(payload, context);
  } catch {
    return payload; // an encoding this converter does not read (already encrypted, say): nothing to scrub
  }
  const scrubbed = scrubValue(value);
  return scrubbed === value ? payload : payloadConverter.toPayload(scrubbed, context);
}

/** `value` with every string scrubbed; the same object when no string changed. */
function scrubValue(value: unknown): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (Array.isArray(value)) {
    const items = value.map(scrubValue);
    return items.some((v, i) => v !== value[i]) ? items : value;
  }
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const entries = Object.entries(value).map(([k, v]) => [k, scrubValue(v)] as const);
    const record = value as Record<string, unknown>;
    return entries.some(([k, v]) => v !== record[k]) ? Object.fromEntries(entries) : value;
  }
  return value;
}
