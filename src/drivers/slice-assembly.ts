/**
 * Bodies read from a database table in slices, built into one Buffer as the slices arrive: each slice is
 * written into the result and dropped, so a large body is held about once instead of as its slices, their
 * join and the decoded copy (three times its size for an 8 MiB document).
 */
import type { SliceAssembly } from './sql-body-store';

/** The row changed between two slice reads (a concurrent write): the caller's retry reads it again. */
const changed = (uri: string): Error =>
  new Error(`${uri} changed while it was read in slices; read it again`);

/** Slices filling exactly `total` bytes: `length` is a slice's size in bytes, `write` copies it in at an offset. */
function exactSlices<P>(
  total: number,
  uri: string,
  length: (part: P) => number,
  write: (out: Buffer, part: P, at: number) => number,
): SliceAssembly {
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  return {
    add(part) {
      if (at + length(part as P) > total) throw changed(uri);
      at += write(out, part as P, at);
    },
    finish() {
      if (at !== total) throw changed(uri);
      return out;
    },
  };
}

/** Slices of a bytea column (Buffers) filling exactly `total` bytes. */
export const byteSlices = (total: number, uri: string): SliceAssembly =>
  exactSlices<Buffer>(
    total,
    uri,
    (b) => b.length,
    (out, b, at) => b.copy(out, at),
  );

/** Slices of a text column (strings) whose UTF-8 form is `total` bytes; slices never split a character. */
export const utf8Slices = (total: number, uri: string): SliceAssembly =>
  exactSlices<string>(
    total,
    uri,
    (t) => Buffer.byteLength(t, 'utf8'),
    (out, t, at) => out.write(t, at, 'utf8'),
  );

/**
 * Slices of MIME base64 text (`chars` characters, newlines included). A slice border can fall inside a 4-character
 * group, so the characters after the last whole group wait for the next slice.
 */
export function base64Slices(chars: number): SliceAssembly {
  const out = Buffer.allocUnsafe(Math.ceil(chars / 4) * 3); // newlines make the decoded form shorter, never longer
  let at = 0;
  let carry = '';
  const decode = (text: string): void => {
    at += out.write(text, at, 'base64');
  };
  return {
    add(part) {
      const text = carry + (part as string).replace(/\s+/g, '');
      const whole = text.length - (text.length % 4);
      decode(text.slice(0, whole));
      carry = text.slice(whole);
    },
    finish() {
      decode(carry); // unpadded input, as Buffer.from(…, 'base64') accepts it
      return out.subarray(0, at);
    },
  };
}
