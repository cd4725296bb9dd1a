import { parseListing, xmlText } from '../../../src/drivers/s3-lean';

const listing = (contents: string, tail = '<IsTruncated>false</IsTruncated>'): string =>
  `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
  `<Name>b</Name><Prefix>p/</Prefix>${tail}${contents}</ListBucketResult>`;
const object = (key: string, size: string, etag = '&quot;0123456789abcdef0123456789abcdef&quot;'): string =>
  `<Contents><Key>${key}</Key><LastModified>2026-12-07T00:00:00.000Z</LastModified><ETag>${etag}</ETag>` +
  `<Size>${size}</Size><Owner><ID>o</ID></Owner><StorageClass>STANDARD</StorageClass></Contents>`;

describe('the lean ListObjectsV2 parser', () => {
  test('reads keys with every XML escape S3 uses, sizes and bare ETags', () => {
    expect(xmlText('a&amp;b&lt;c&gt;d&quot;e&apos;f&#13;g&#x1F600;')).toBe('a&b<c>d"e\'f\rg\u{1F600}');
    expect(
      parseListing(listing(object('p/a&amp;b', '12') + object('p/c&lt;d', '0', '&quot;x-2&quot;'))),
    ).toEqual({
      objects: [
        { key: 'p/a&b', size: 12, etag: '0123456789abcdef0123456789abcdef' },
        { key: 'p/c<d', size: 0, etag: 'x-2' },
      ],
    });
  });

  test('a truncated page carries its continuation token', () => {
    const xml = listing(
      object('p/a', '1'),
      '<KeyCount>1</KeyCount><IsTruncated>true</IsTruncated><NextContinuationToken>t&amp;1</NextContinuationToken>',
    );
    expect(parseListing(xml)).toEqual({ objects: [expect.objectContaining({ key: 'p/a' })], next: 't&1' });
  });

  test('anything not fully understood is left to the SDK (undefined)', () => {
    expect(parseListing('<Error><Code>AccessDenied</Code></Error>')).toBeUndefined();
    expect(parseListing(listing('<Contents><Key>p/a</Key><Size>1</Size>'))).toBeUndefined(); // cut short
    expect(parseListing(listing('<Contents><Key>p/a</Key></Contents>'))).toBeUndefined(); // no size
    expect(parseListing(listing(object('p/a', '1'), '<KeyCount>2</KeyCount>'))).toBeUndefined();
    expect(parseListing(listing(object('p/a', '1'), '<IsTruncated>true</IsTruncated>'))).toBeUndefined(); // no token
  });
});
