/**
 * The human-readable form of a log record, for terminals: `time LEVEL message {fields}`, with the stack of
 * an error field on the lines below instead of escaped inside the JSON.
 */

/** Fields pino adds that a person at a terminal does not need. */
const HIDDEN = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

/** One record as parsed from pino's JSON line → one or more text lines ending with a newline. */
export function formatPretty(record: Record<string, unknown>): string {
  const fields: Record<string, unknown> = {};
  const stacks: string[] = [];
  for (const [k, v] of Object.entries(record)) {
    if (HIDDEN.has(k)) continue;
    if (isSerializedError(v)) {
      fields[k] = `${v.name}: ${v.message}`;
      if (v.stack) stacks.push(indent(v.stack));
    } else {
      fields[k] = v;
    }
  }
  const level = String(record.level ?? '').toUpperCase();
  const extra = Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
  const head = `${String(record.time ?? '')} ${level} ${String(record.msg ?? '')}${extra}`;
  return [head, ...stacks].join('\n') + '\n';
}

interface SerializedError {
  name: string;
  message: string;
  stack?: string;
}

function isSerializedError(v: unknown): v is SerializedError {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  return (
    typeof e.name === 'string' &&
    typeof e.message === 'string' &&
    (e.stack === undefined || typeof e.stack === 'string')
  );
}

function indent(stack: string): string {
  return stack
    .split('\n')
    .map((line) => `    ${line.trim()}`)
    .join('\n');
}
