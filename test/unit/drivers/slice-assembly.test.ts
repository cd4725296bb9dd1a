/** Bodies built from slices as the SQL drivers read them (1-based substring slices of the stored value). */
import { randomBytes } from 'node:crypto';
import { mimeBase64 } from '../../../src/drivers/db';
import { base64Slices, byteSlices, utf8Slices } from '../../../src/drivers/slice-assembly';
import type { SliceAssembly } from '../../../src/drivers/sql-body-store';

const uri = 'db2://admin/b/k';

/** Feeds `value` to `assembly` in slices of `size` (characters of a string, bytes of a Buffer). */
function feed(assembly: SliceAssembly, value: string | Buffer, size: number): Buffer {
  const chars = typeof value === 'string' ? [...value] : undefined;
  const length = chars ? chars.length : value.length;
  for (let at = 0; at < length; at += size)
    assembly.add(chars ? chars.slice(at, at + size).join('') : (value as Buffer).subarray(at, at + size));
  return assembly.finish();
}

describe('slice assembly', () => {
  const data = randomBytes(10_000);

  test.each([1, 3, 76, 77, 1000, 4096])(
    'base64 text in slices of %d characters decodes to the bytes',
    (size) => {
      const text = mimeBase64(data);
      expect(feed(base64Slices(text.length), text, size).equals(data)).toBe(true);
    },
  );

  test.each([1, 2, 5, 999])('UTF-8 text in slices of %d characters gives its bytes', (size) => {
    const text = '{"document": "ключ✓ü-😀"}'.repeat(50);
    const bytes = Buffer.from(text, 'utf8');
    expect(feed(utf8Slices(bytes.length, uri), text, size).equals(bytes)).toBe(true);
  });

  test.each([1, 7, 4096])('bytea in slices of %d bytes gives the bytes', (size) => {
    expect(feed(byteSlices(data.length, uri), data, size).equals(data)).toBe(true);
  });

  test('a body that grew or shrank between slice reads is refused, naming it', () => {
    expect(() => feed(byteSlices(10, uri), randomBytes(11), 4)).toThrow(`${uri} changed while it was read`);
    expect(() => feed(byteSlices(10, uri), randomBytes(9), 4)).toThrow(`${uri} changed while it was read`);
    expect(() => feed(utf8Slices(3, uri), 'abcd', 2)).toThrow(`${uri} changed while it was read`);
    expect(() => feed(utf8Slices(5, uri), 'abcd', 2)).toThrow(`${uri} changed while it was read`);
  });
});
