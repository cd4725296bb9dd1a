/**
 * Python's `json.dumps` for the demo's megabytes of JSON: same output as `pythonJsonDumps`
 * (src/drivers/python-json.ts; separators `", "` / `": "`, non-ASCII as `\uXXXX`), several times faster, and
 * able to splice in {@link PythonJsonText} fragments that were serialized once while measuring a document's size.
 * A unit test re-serializes generated documents with `pythonJsonDumps` and expects the same bytes.
 */

/** Already-serialized JSON text, inserted verbatim. */
export class PythonJsonText {
  constructor(
    readonly text: string,
    /** Number of entries, for fragments built by `fillJson`. */
    readonly count = 0,
  ) {}
}

// Anything json.dumps escapes (ensure_ascii: everything outside space..~, plus quote and backslash).
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be found
const NEEDS_ESCAPE = /["\\\u0000-\u001f\u007f-\uffff]/;
const NON_ASCII = /[\u007f-\uffff]/g;

function dumpString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  // JSON.stringify escapes quote, backslash and control characters exactly like Python; then the rest.
  return JSON.stringify(s).replace(NON_ASCII, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `json.dumps(value)` as Python writes it, for JSON data with non-numeric keys and finite numbers. */
export function dumpPythonJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return dumpString(value);
    case 'number':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (value instanceof PythonJsonText) return value.text;
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) out += (i > 0 ? ', ' : '') + dumpPythonJson(value[i]);
        return `${out}]`;
      }
      let out = '{';
      let first = true;
      for (const [k, v] of Object.entries(value)) {
        if (v === undefined) continue;
        out += `${first ? '' : ', '}${dumpString(k)}: ${dumpPythonJson(v)}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      return 'null';
  }
}

/** Bytes of `{"document": value}`, Anchore's `put_document` body (pure ASCII, hence latin1 is exact). */
export function demoDocumentEnvelope(value: unknown): Buffer {
  return Buffer.from(dumpPythonJson({ document: value }), 'latin1');
}
