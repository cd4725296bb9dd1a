import { createCatalogPool } from '../../src/catalog';
import { createIamTokenSource, IAM_TOKEN_REFRESH_MS } from '../../src/catalog/iam-token';
import { scrubSecrets } from '../../src/config/redact';

const MINUTE = 60_000;

/** A fake signer that counts its calls and can be made to fail or to wait. */
function fakeSigner() {
  let n = 0;
  let failNext = false;
  let gate: Promise<void> | undefined;
  return {
    calls: () => n,
    failNext: (): void => {
      failNext = true;
    },
    hold: (p: Promise<void>): void => {
      gate = p;
    },
    sign: async (): Promise<string> => {
      n += 1;
      if (gate) await gate;
      if (failNext) {
        failNext = false;
        throw new Error('Could not load credentials from any providers');
      }
      return `db.example:5432/?Action=connect&DBUser=anchore&X-Amz-Signature=token-number-${n}`;
    },
  };
}

describe('RDS IAM token source', () => {
  test('one token serves connections for 10 minutes, then a new one is signed', async () => {
    let clock = 1_000_000;
    const signer = fakeSigner();
    const seen: string[] = [];
    const token = createIamTokenSource({ sign: signer.sign, now: () => clock, onToken: (t) => seen.push(t) });
    const first = await token();
    clock += 9 * MINUTE;
    expect(await token()).toBe(first);
    expect(signer.calls()).toBe(1);
    clock += MINUTE; // 10 minutes old: RDS would accept it 5 more, but it is renewed now
    const second = await token();
    expect(second).not.toBe(first);
    expect(signer.calls()).toBe(2);
    expect(seen).toEqual([first, second]);
    expect(IAM_TOKEN_REFRESH_MS).toBe(10 * MINUTE);
  });

  test('connections opened at once share one signing', async () => {
    const signer = fakeSigner();
    let release = (): void => undefined;
    signer.hold(new Promise<void>((r) => (release = r)));
    const token = createIamTokenSource({ sign: signer.sign, onToken: () => undefined });
    const all = Promise.all([token(), token(), token()]);
    release();
    const tokens = await all;
    expect(new Set(tokens).size).toBe(1);
    expect(signer.calls()).toBe(1);
  });

  test('a failed signing is a named error, not cached: the next connection signs again', async () => {
    const signer = fakeSigner();
    const token = createIamTokenSource({ sign: signer.sign, onToken: () => undefined });
    signer.failNext();
    await expect(token()).rejects.toMatchObject({ name: 'CatalogIamAuthError' });
    await expect(token()).resolves.toContain('token-number-2');
  });

  test('a clock that went back does not keep a token alive', async () => {
    let clock = 10 * MINUTE;
    const signer = fakeSigner();
    const token = createIamTokenSource({ sign: signer.sign, now: () => clock, onToken: () => undefined });
    await token();
    clock -= MINUTE;
    await token();
    expect(signer.calls()).toBe(2);
  });

  test('the pool registers every token as a secret, so no output or log line shows it', async () => {
    const signer = fakeSigner();
    const pool = createCatalogPool(
      'postgresql://anchore@db.example:5432/anchore?sslmode=require&aws_iam_auth=true',
      1,
      undefined,
      { iamSigner: signer.sign },
    );
    const password = (pool as unknown as { options: { password: () => Promise<string> } }).options.password;
    const token = await password();
    expect(scrubSecrets(`connecting with ${token}`)).toBe('connecting with ****');
    await pool.end();
  });

  test('IAM authentication without TLS is refused before any connection', () => {
    expect(() => createCatalogPool('postgresql://anchore@db.example/anchore?aws_iam_auth=true')).toThrow(
      expect.objectContaining({ name: 'IamAuthNeedsTlsError' }),
    );
    expect(() =>
      createCatalogPool('postgresql://anchore@db.example/anchore?aws_iam_auth=true&sslmode=disable'),
    ).toThrow(expect.objectContaining({ name: 'IamAuthNeedsTlsError' }));
  });
});
