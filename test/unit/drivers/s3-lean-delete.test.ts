import { deleteObjectsXml, parseDeleteResult, xmlText } from '../../../src/drivers/s3-lean';

const result = (inner: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${inner}</DeleteResult>`;

describe('the lean DeleteObjects request and answer', () => {
  test('the request names each key escaped, quietly', () => {
    const keys = ['p/a&b', 'p/c<d>', `p/e'f"g`, 'p/ü +%'];
    const xml = deleteObjectsXml(keys);
    expect(xml).toContain('<Quiet>true</Quiet>');
    const named = [...xml.matchAll(/<Object><Key>([^<]*)<\/Key><\/Object>/g)].map(([, k]) =>
      xmlText(k as string),
    );
    expect(named).toEqual(keys);
  });

  test('a quiet answer lists only what was not deleted, with its code, message and version', () => {
    expect(parseDeleteResult(result(''))).toEqual([]);
    expect(
      parseDeleteResult(
        result(
          '<Error><Key>p/a&amp;b</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>' +
            '<Error><Key>p/c</Key><VersionId>v1</VersionId><Code>SlowDown</Code><Message>Reduce</Message></Error>',
        ),
      ),
    ).toEqual([
      { key: 'p/a&b', code: 'AccessDenied', message: 'Access Denied' },
      { key: 'p/c', code: 'SlowDown', message: 'Reduce', versionId: 'v1' },
    ]);
  });

  test('anything else is left to the SDK (undefined)', () => {
    expect(parseDeleteResult('<Error><Code>InternalError</Code></Error>')).toBeUndefined(); // an error sent with 200
    expect(parseDeleteResult(result('<Error><Code>AccessDenied</Code></Error>'))).toBeUndefined(); // no key
    expect(parseDeleteResult(result('<Error><Key>p/a</Key>'))).toBeUndefined(); // cut short
  });
});
