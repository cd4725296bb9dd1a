/** Byte-level golden vectors of Anchore's storage formats (anchore-storage.md §2.1, §3, §4, §11). */
import { createHash } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { decodeLegacyBody, encodeLegacyBody, mimeBase64 } from '../../../src/drivers/db';
import { localfsPath } from '../../../src/drivers/localfs';
import { documentEnvelope, pythonJsonDumps } from '../../../src/drivers/python-json';
import { decodeStored, encodeStored, recodeStored, shouldCompress } from '../../../src/drivers/stored-bytes';

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');
const on = { enabled: true, min_size_kbytes: 1 };

const md5Of = (s: string): string => createHash('md5').update(s).digest('hex');

describe('compression threshold (strictly greater than min_size_kbytes * 1024)', () => {
  test.each([
    [1024, false],
    [1025, true],
  ])('%d bytes with min_size_kbytes 1 → compressed %s', (len, expected) => {
    expect(shouldCompress(len, on, true)).toBe(expected);
    const stored = encodeStored(Buffer.alloc(len, 'a'), on, true);
    expect(stored.isCompressed).toBe(expected);
  });

  test('never for the db driver', () => {
    expect(encodeStored(Buffer.alloc(4096, 'a'), on, false).isCompressed).toBe(false);
  });

  test('only a YAML boolean true enables it', () => {
    expect(shouldCompress(4096, { enabled: 'true', min_size_kbytes: 1 }, true)).toBe(false);
    expect(shouldCompress(4096, { enabled: false, min_size_kbytes: 1 }, true)).toBe(false);
  });

  test('zlib (RFC 1950) at level 3: header 78 5e, and it inflates back', () => {
    const logical = Buffer.alloc(2048, 'abc');
    const stored = encodeStored(logical, on, true);
    expect(stored.data.subarray(0, 2).toString('hex')).toBe('785e');
    expect(inflateSync(stored.data).equals(logical)).toBe(true);
  });
});

describe('digest and size are of the stored bytes', () => {
  test('uncompressed: md5 of the body itself', () => {
    const stored = encodeStored(Buffer.from('{"document": {"a": 1}}'), on, true);
    // Python: hashlib.md5(b'{"document": {"a": 1}}').hexdigest()
    expect(stored.digest).toBe('6d73594913c79c1412fe3216907ad6f1');
    expect(stored.size).toBe(22);
  });

  test('compressed: md5 and length of the zlib bytes', () => {
    const stored = encodeStored(Buffer.alloc(5000, 'x'), on, true);
    expect(stored.digest).toBe(md5(stored.data));
    expect(stored.size).toBe(stored.data.length);
    expect(stored.size).toBeLessThan(5000);
  });

  test('read checks the digest, then decompresses; NULL digest skips the check', () => {
    const stored = encodeStored(Buffer.alloc(5000, 'x'), on, true);
    const meta = { digest: stored.digest, is_compressed: true };
    expect(decodeStored(stored.data, meta, 'u').equals(Buffer.alloc(5000, 'x'))).toBe(true);
    expect(() => decodeStored(Buffer.from('tampered'), meta, 'u')).toThrow(
      expect.objectContaining({ name: 'DigestMismatchError' }),
    );
    expect(() => decodeStored(Buffer.from('not zlib'), { digest: null, is_compressed: true }, 'u')).toThrow(
      expect.objectContaining({ name: 'DecompressionError' }),
    );
  });

  test('recoding for another store gives what decoding then encoding gives, whichever way compression goes', () => {
    const off = { enabled: false, min_size_kbytes: 1 };
    for (const logical of [Buffer.alloc(5000, 'x'), Buffer.from('{"document": {"a": 1}}')])
      for (const from of [on, off])
        for (const to of [on, off])
          for (const withDigest of [true, false]) {
            const source = encodeStored(logical, from, true);
            const meta = { digest: withDigest ? source.digest : null, is_compressed: source.isCompressed };
            const want = encodeStored(decodeStored(source.data, meta, 'u'), to, true);
            expect(recodeStored(source.data, meta, 'u', to, true)).toEqual(want);
          }
    const meta = { digest: md5Of('the real body'), is_compressed: false };
    expect(() => recodeStored(Buffer.from('tampered'), meta, 'u', off, true)).toThrow(
      expect.objectContaining({ name: 'DigestMismatchError' }),
    );
  });
});

describe('db driver body encoding (archive_document.jsondata)', () => {
  test('valid UTF-8 is stored as text', () => {
    expect(encodeLegacyBody(Buffer.from('{"document": "é"}'))).toEqual({
      jsondata: '{"document": "é"}',
      b64: false,
    });
  });

  test('non-UTF-8 is MIME base64 with a newline every 76 characters and at the end', () => {
    const body = Buffer.from(Array.from({ length: 100 }, (_, i) => (i * 7 + 0x80) % 256));
    const { jsondata, b64 } = encodeLegacyBody(body);
    expect(b64).toBe(true);
    // Python: base64.encodebytes(bytes((i * 7 + 0x80) % 256 for i in range(100)))
    expect(jsondata).toBe(
      'gIeOlZyjqrG4v8bN1Nvi6fD3/gUMExohKC82PURLUllgZ251fIOKkZifpq20u8LJ0Nfe5ezz+gEI\n' +
        'DxYdJCsyOUBHTlVcY2pxeH+GjZSboqmwt77FzNPa4ejv9v0ECxIZICcuNQ==\n',
    );
    expect(decodeLegacyBody(jsondata, true).equals(body)).toBe(true);
  });

  test("a leading UTF-8 BOM is kept, as Python's bytes.decode('utf-8') keeps it", () => {
    const body = Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]);
    const { jsondata, b64 } = encodeLegacyBody(body);
    expect({ jsondata, b64 }).toEqual({ jsondata: '\ufeff{}', b64: false });
    expect(decodeLegacyBody(jsondata, false).equals(body)).toBe(true);
  });

  test('UTF-8 containing NUL is base64 too (PostgreSQL text cannot hold NUL)', () => {
    expect(encodeLegacyBody(Buffer.from('a\u0000b')).b64).toBe(true);
  });

  test('empty body is empty text; base64 of empty is empty', () => {
    expect(encodeLegacyBody(Buffer.alloc(0))).toEqual({ jsondata: '', b64: false });
    expect(mimeBase64(Buffer.alloc(0))).toBe('');
  });
});

describe('localfs path', () => {
  test('<dir>/<md5(userId)>/<bucket>/<md5(key)[0:2]>/<md5(key)>.json', () => {
    // Python: hashlib.md5(b'admin').hexdigest(), hashlib.md5(b'sha256:abc').hexdigest()
    expect(
      localfsPath('/var/lib/anchore/archive', {
        userId: 'admin',
        bucket: 'analysis_data',
        key: 'sha256:abc',
      }),
    ).toBe(
      '/var/lib/anchore/archive/21232f297a57a5a743894a0e4a801fc3/analysis_data/82/8287118b36ca543751029b871b6d2c01.json',
    );
  });

  test('a trailing slash on the data dir joins like os.path.join', () => {
    const ref = { userId: 'admin', bucket: 'b', key: 'k' };
    expect(localfsPath('/data/', ref)).toBe(localfsPath('/data', ref));
  });
});

describe('Python json.dumps', () => {
  test('separators and \\u escapes of non-ASCII', () => {
    expect(pythonJsonDumps({ a: [1, 'é', null, true], ü: { b: 'x"y' } })).toBe(
      '{"a": [1, "\\u00e9", null, true], "\\u00fc": {"b": "x\\"y"}}',
    );
    expect(pythonJsonDumps('😀')).toBe('"\\ud83d\\ude00"');
    // Python: json.dumps('a\x7fb\x1f') == '"a\\u007fb\\u001f"' (DEL is outside space..tilde).
    expect(pythonJsonDumps('a\x7fb\x1f')).toBe('"a\\u007fb\\u001f"');
  });

  test('the document envelope', () => {
    expect(documentEnvelope({ k: 'v' }).toString()).toBe('{"document": {"k": "v"}}');
  });
});
