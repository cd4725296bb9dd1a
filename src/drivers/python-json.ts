/**
 * Python's default `json.dumps` (separators `", "` and `": "`, non-ASCII escaped as `\uXXXX`), so documents we
 * create (the `check` probe, demo data) have the bytes and digests Anchore would give them (§11.11).
 * A migration never re-serializes: it copies stored bytes.
 */

function dumpString(s: string): string {
  // JSON.stringify escapes quotes, backslashes and control characters like Python; then escape non-ASCII.
  return JSON.stringify(s).replace(
    /[\u007f-\uffff]/g, // ensure_ascii escapes everything outside space..tilde, DEL included
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function dumpNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  return JSON.stringify(n);
}

/** Serializes `value` exactly as Python's `json.dumps(value)` would for JSON-compatible data. */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return dumpString(value);
  if (typeof value === 'number') return dumpNumber(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${dumpString(k)}: ${pythonJsonDumps(v)}`).join(', ')}}`;
  }
  throw new TypeError(`cannot serialize a ${typeof value} as JSON`);
}

/** The stored body of a JSON document: UTF-8 of `{"document": <value>}` (Anchore's `put_document`). */
export function documentEnvelope(value: unknown): Buffer {
  return Buffer.from(pythonJsonDumps({ document: value }), 'utf8');
}
