import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { SourceData } from '@smithy/types';
import { createSigV4Signer } from '../../../src/drivers/sigv4';

/** node:crypto in the shape the SDK's signer wants. */
class Sha256 {
  private readonly h;
  constructor(secret?: SourceData) {
    const bytes = (d: SourceData): Buffer | string =>
      typeof d === 'string' ? d : Buffer.from(d as Uint8Array);
    this.h = secret ? createHmac('sha256', bytes(secret)) : createHash('sha256');
  }
  update(data: SourceData): void {
    this.h.update(typeof data === 'string' ? data : Buffer.from(data as Uint8Array));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.h.digest());
  }
}

const at = new Date('2026-12-07T01:23:45.678Z');

/** What the SDK's own signer puts in Authorization for the same request. */
async function sdkAuthorization(
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  req: { method: string; path: string; query: Record<string, string>; headers: Record<string, string> },
): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    service: 's3',
    region: 'eu-central-1',
    credentials,
    sha256: Sha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: req.method,
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 9000,
      path: req.path,
      query: req.query,
      headers: { host: '127.0.0.1:9000', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...req.headers },
    },
    { signingDate: at },
  );
  return signed.headers;
}

describe('the lean SigV4 signer', () => {
  const cases: Array<{
    name: string;
    method: string;
    path: string;
    query: Record<string, string>;
    headers: Record<string, string>;
  }> = [
    {
      name: 'a PUT with Content-MD5 and an encoded key',
      method: 'PUT',
      path: '/bucket/anchore/acme/vulnerability_scan/sha256%3A2/docker.io/nginx%3A1.25-%C3%BCn%C3%AF%20%2B%25',
      query: {},
      headers: {
        'content-length': '12',
        'content-md5': 'XUFAKrxLKna5cZ2REBfFkg==',
        'content-type': 'binary/octet-stream',
      },
    },
    {
      name: 'a listing with a query that needs encoding',
      method: 'GET',
      path: '/bucket',
      query: {
        'list-type': '2',
        prefix: 'p/acct/b&k/',
        'start-after': "p/acct/b&k/it's (1)*",
        'max-keys': '17',
      },
      headers: {},
    },
    {
      name: 'a conditional copy with spaces to fold in a header value',
      method: 'PUT',
      path: '/bucket/k',
      query: {},
      headers: {
        'x-amz-copy-source': 'src/a%20b',
        'x-amz-copy-source-if-match': '  "abc"   def ',
        'content-length': '0',
      },
    },
  ];
  for (const c of cases) {
    test(`signs ${c.name} exactly as the SDK does`, async () => {
      for (const credentials of [
        { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
        { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token/with+chars=' },
      ]) {
        const ours = await createSigV4Signer('eu-central-1', 's3', async () => credentials).sign(
          { method: c.method, host: '127.0.0.1:9000', path: c.path, query: c.query, headers: c.headers },
          at,
        );
        const sdk = await sdkAuthorization(credentials, c);
        expect(ours['authorization']).toBe(sdk['authorization']);
        expect(ours['x-amz-date']).toBe(sdk['x-amz-date']);
        expect(ours['x-amz-security-token']).toBe(sdk['x-amz-security-token']);
      }
    });
  }

  test('a new day or new credentials get a new signing key', async () => {
    let secret = 'one';
    const signer = createSigV4Signer('us-east-1', 's3', async () => ({
      accessKeyId: 'A',
      secretAccessKey: secret,
    }));
    const req = { method: 'HEAD', host: 'h', path: '/b/k', headers: {} };
    const first = (await signer.sign(req, at))['authorization'];
    secret = 'two';
    expect((await signer.sign(req, at))['authorization']).not.toBe(first);
    secret = 'one';
    expect((await signer.sign(req, at))['authorization']).toBe(first);
    const nextDay = (await signer.sign(req, new Date('2026-12-08T01:23:45Z')))['authorization'];
    expect(nextDay).toContain('Credential=A/20261208/us-east-1/s3/aws4_request');
  });
});
