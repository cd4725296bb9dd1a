/**
 * Turns whatever a caller passes as log fields into plain JSON-safe data before pino sees it: every string
 * (keys included) scrubbed of registered secrets while it is still unescaped, errors as name/message/stack,
 * cycles and runaway depth cut, byte buffers summarised instead of dumped.
 */
import { scrubSecrets } from '../config/redact';

const MAX_DEPTH = 10;

/** A deep, scrubbed, JSON-safe copy of `value`. */
export function toLoggable(value: unknown): unknown {
  return copy(value, 0, new Set());
}

function copy(value: unknown, depth: number, ancestors: Set<object>): unknown {
  if (typeof value === 'string') return scrubSecrets(value);
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return typeof value === 'function' ? undefined : value;
  if (ancestors.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Truncated]';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  // Object bodies can be megabytes: their size is what a log reader needs.
  if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  ancestors.add(value);
  try {
    const inner = (v: unknown): unknown => copy(v, depth + 1, ancestors);
    if (value instanceof Error) return copyError(value, inner);
    if (Array.isArray(value)) return value.map(inner);
    if (value instanceof Map)
      return Object.fromEntries([...value].map(([k, v]) => [scrubSecrets(String(k)), inner(v)]));
    if (value instanceof Set) return [...value].map(inner);
    return copyEntries(value, inner);
  } finally {
    ancestors.delete(value);
  }
}

// JSON.stringify shows an Error as `{}`; keep what an operator needs, plus context fields (code, bucket, …).
function copyError(err: Error, inner: (v: unknown) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: inner(err.name),
    message: inner(err.message),
    stack: inner(err.stack),
  };
  Object.assign(out, copyEntries(err, inner));
  if (err.cause !== undefined) out.cause = inner(err.cause);
  if (err instanceof AggregateError) out.errors = inner(err.errors);
  return out;
}

function copyEntries(value: object, inner: (v: unknown) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[scrubSecrets(k)] = inner(v);
  return out;
}
