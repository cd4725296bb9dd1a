import { randomBytes } from 'node:crypto';
import { createCopyBinaryParser, sqlArray, type CopyRow } from '../../../src/drivers/copy-binary';

/** A binary COPY stream as PostgreSQL writes it (signature, flags, extension length, tuples, trailer). */
function copyStream(rows: CopyRow[]): Buffer {
  const parts: Buffer[] = [Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)];
  for (const row of rows) {
    const count = Buffer.alloc(2);
    count.writeInt16BE(row.length);
    parts.push(count);
    for (const field of row) {
      const length = Buffer.alloc(4);
      length.writeInt32BE(field === null ? -1 : field.length);
      parts.push(length, ...(field ? [field] : []));
    }
  }
  const trailer = Buffer.alloc(2);
  trailer.writeInt16BE(-1);
  parts.push(trailer);
  return Buffer.concat(parts);
}

function parseIn(stream: Buffer, cuts: number[]): CopyRow[] {
  const rows: CopyRow[] = [];
  const parser = createCopyBinaryParser((r) => rows.push(r));
  let at = 0;
  for (const cut of [...cuts, stream.length]) {
    parser.push(stream.subarray(at, cut));
    at = cut;
  }
  parser.end();
  return rows;
}

const ROWS: CopyRow[] = [
  [
    Buffer.from('admin'),
    Buffer.from('analysis_data'),
    Buffer.from('ключ✓'),
    Buffer.from('{"document": 1}'),
    Buffer.from([0]),
  ],
  [Buffer.from('acme'), null, Buffer.alloc(0), randomBytes(20_000), Buffer.from([1])],
  [Buffer.from('x'), Buffer.from('y'), Buffer.from('z'), null, null],
];

describe('binary COPY parser', () => {
  const stream = copyStream(ROWS);

  test('gives every row and field back, whole chunk', () => {
    expect(parseIn(stream, [])).toEqual(ROWS);
  });

  test('gives the same rows whatever the chunk borders (1-byte chunks, random cuts)', () => {
    expect(
      parseIn(
        stream,
        Array.from({ length: stream.length - 1 }, (_, i) => i + 1),
      ),
    ).toEqual(ROWS);
    for (let k = 0; k < 20; k++) {
      const cuts = Array.from({ length: 12 }, () => Math.floor(Math.random() * stream.length)).sort(
        (a, b) => a - b,
      );
      expect(parseIn(stream, cuts)).toEqual(ROWS);
    }
  });

  test('a stream with no rows is empty', () => {
    expect(parseIn(copyStream([]), [3])).toEqual([]);
  });

  test('refuses a stream that is not binary COPY, ends early or goes on after the trailer', () => {
    const wrong = Buffer.from(stream);
    wrong[0] = 0x51;
    expect(() => parseIn(wrong, [])).toThrow(expect.objectContaining({ name: 'CopyFormatError' }));
    expect(() => parseIn(stream.subarray(0, stream.length - 5), [])).toThrow(/ended early/);
    expect(() => parseIn(Buffer.concat([stream, Buffer.from([0])]), [])).toThrow(/after the end/);
  });
});

describe('sqlArray', () => {
  test('escapes quotes and backslashes as string literals', () => {
    expect(sqlArray(["it's", 'a\\b', 'plain'])).toBe(`ARRAY['it''s', E'a\\\\b','plain']::varchar[]`);
  });
});
